/**
 * A proxy in front of a real S3 server that answers with ETags as AWS does under SSE-KMS or SSE-C:
 * 32 hex digits (or `hex-N` for multipart objects) that are not the MD5 of anything lsync could
 * compute. Each real ETag is replaced by a fixed stand-in (an HMAC of it under a random secret, so
 * the same object keeps the same ETag, and a new version gets a new one), in headers and in XML
 * answers (listings, copy results, completed uploads); ETags lsync sends back (If-Match,
 * If-None-Match, the copy-source conditions, the parts of CompleteMultipartUpload) are translated
 * to the server's own. Object bodies pass through untouched. moto checks no signatures, so the
 * rewritten headers still pass.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EtagProxy {
  readonly endpoint: string;
  /** ETags handed out so far: stand-in → the server's. */
  readonly rewritten: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

const ETAG = /^([0-9a-f]{32})(-\d+)?$/;
const XML_ETAG = /<ETag>(&quot;|&#34;|")?([0-9a-f]{32}(?:-\d+)?)(&quot;|&#34;|")?<\/ETag>/g;
const CONDITION_HEADERS = ['if-match', 'if-none-match', 'x-amz-copy-source-if-match', 'x-amz-copy-source-if-none-match'];

async function bodyOf(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startEtagProxy(upstream: string): Promise<EtagProxy> {
  const target = new URL(upstream);
  const secret = randomBytes(16);
  const toReal = new Map<string, string>();
  const fake = (real: string): string => {
    const m = ETAG.exec(real);
    if (m === null) return real;
    const out = createHmac('sha256', secret).update(real).digest('hex').slice(0, 32) + (m[2] ?? '');
    toReal.set(out, real);
    return out;
  };
  const fakeHeader = (v: string): string => v.replace(/[0-9a-f]{32}(-\d+)?/, (e) => fake(e));
  const realHeader = (v: string): string => v.replace(/[0-9a-f]{32}(-\d+)?/g, (e) => toReal.get(e) ?? e);
  const server = createServer((req, res) => {
    void (async () => {
      const headers = { ...req.headers };
      for (const h of CONDITION_HEADERS) {
        const v = headers[h];
        if (typeof v === 'string') headers[h] = realHeader(v);
      }
      // CompleteMultipartUpload names its parts by ETag: the server's own. Same length, same body size.
      let body = await bodyOf(req);
      if (req.method === 'POST' && (req.url ?? '').includes('uploadId=')) body = Buffer.from(realHeader(body.toString('utf8')));
      const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
        const answer = { ...up.headers };
        if (typeof answer.etag === 'string') answer.etag = fakeHeader(answer.etag);
        if (!(answer['content-type'] ?? '').includes('xml')) {
          res.writeHead(up.statusCode ?? 502, answer);
          up.pipe(res);
          return;
        }
        void bodyOf(up).then((xml) => {
          const text = xml.toString('utf8').replace(XML_ETAG, (_m, open: string | undefined, e: string, close: string | undefined) => `<ETag>${open ?? ''}${fake(e)}${close ?? ''}</ETag>`);
          const bytes = Buffer.from(text);
          res.writeHead(up.statusCode ?? 502, { ...answer, 'content-length': String(bytes.length) });
          res.end(bytes);
        }, () => res.destroy());
      });
      out.on('error', () => res.destroy());
      out.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rewritten: toReal,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
