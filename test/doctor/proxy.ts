/**
 * A small HTTP proxy in front of a local S3 server that answers some requests as a given provider
 * would (not a mock of the SDK: the SDK, lsync and the server all run for real):
 *   - `bucketRegion`: the bucket "lives" in that region; a request signed for another region gets
 *     AWS's answer: `301 PermanentRedirect` with `x-amz-bucket-region`, or (`malformed`) the
 *     `400 AuthorizationHeaderMalformed` naming the region in its body;
 *   - `rejectChecksums`: requests carrying the SDK's flexible checksums (x-amz-checksum-*,
 *     x-amz-sdk-checksum-algorithm, aws-chunked trailers) are refused with that status, as several
 *     S3-compatible services did after the SDK made them the default.
 * Everything else is forwarded unchanged (the Host header too, so signatures still match).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRules {
  readonly bucketRegion?: string;
  readonly redirectStyle?: '301' | 'malformed';
  readonly rejectChecksums?: 400 | 501;
}

export interface Proxy {
  readonly endpoint: string;
  /** Requests answered "wrong region", checksum requests refused, requests forwarded. */
  readonly counts: { redirects: number; checksumRejections: number; forwarded: number };
  close(): Promise<void>;
}

function signedRegion(req: IncomingMessage): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
}

function carriesChecksum(req: IncomingMessage): boolean {
  const names = Object.keys(req.headers);
  return names.some((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-sdk-checksum-algorithm' || h === 'x-amz-trailer') || (req.headers['content-encoding'] ?? '').includes('aws-chunked');
}

function xmlError(res: ServerResponse, req: IncomingMessage, status: number, headers: Record<string, string>, fields: Record<string, string>): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}<RequestId>proxy</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', ...headers, ...(req.method !== 'HEAD' ? { 'content-length': String(Buffer.byteLength(body)) } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function wrongRegion(req: IncomingMessage, res: ServerResponse, rules: ProxyRules, signed: string): void {
  const region = rules.bucketRegion as string;
  if (rules.redirectStyle === 'malformed') {
    // AWS names the region in the body; a HEAD has none, so it says so in the header.
    xmlError(res, req, 400, req.method === 'HEAD' ? { 'x-amz-bucket-region': region } : {}, {
      Code: 'AuthorizationHeaderMalformed',
      Message: `The authorization header is malformed; the region '${signed}' is wrong; expecting '${region}'`,
      Region: region,
    });
    return;
  }
  xmlError(res, req, 301, { 'x-amz-bucket-region': region }, {
    Code: 'PermanentRedirect',
    Message: 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
    Endpoint: `s3.${region}.amazonaws.com`,
  });
}

export async function startProxy(upstream: string, rules: ProxyRules): Promise<Proxy> {
  const target = new URL(upstream);
  const counts = { redirects: 0, checksumRejections: 0, forwarded: 0 };
  const server = createServer((req, res) => {
    const signed = signedRegion(req);
    if (rules.bucketRegion !== undefined && signed !== undefined && signed !== rules.bucketRegion) {
      counts.redirects++;
      req.resume();
      req.on('end', () => wrongRegion(req, res, rules, signed));
      return;
    }
    if (rules.rejectChecksums !== undefined && carriesChecksum(req)) {
      counts.checksumRejections++;
      req.resume();
      const code = rules.rejectChecksums === 501 ? 'NotImplemented' : 'InvalidArgument';
      req.on('end', () => xmlError(res, req, rules.rejectChecksums as number, {}, { Code: code, Message: 'x-amz-checksum and aws-chunked uploads are not supported' }));
      return;
    }
    counts.forwarded++;
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
