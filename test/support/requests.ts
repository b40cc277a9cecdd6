/**
 * Counting the requests an S3Remote sends, by SDK command name (e.g. `HeadObjectCommand`), with a
 * middleware on its own client: observation only, every request still goes over the wire.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { middlewareChanged } from '../../src/remote/s3/client.js';

/** Calls `seen` with the command name and input of every request the remote's client sends. */
export function watchRequests(remote: object, seen: (command: string, input: Readonly<Record<string, unknown>>) => void): void {
  const client = Reflect.get(remote, 'client') as S3Client | undefined;
  assert.ok(client, 'an S3Remote holds its SDK client as `client`');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = typeof args.input === 'object' && args.input !== null ? (args.input as Record<string, unknown>) : {};
      seen(context.commandName ?? '?', input);
      return next(args);
    },
    { step: 'initialize', name: `lsyncTestWatch${++watchers}` },
  );
  // Requests already sent resolved the stack without this middleware (client.ts sendCached).
  middlewareChanged(client);
}
let watchers = 0;

export function countRequests(remote: object): Map<string, number> {
  const counts = new Map<string, number>();
  watchRequests(remote, (name) => counts.set(name, (counts.get(name) ?? 0) + 1));
  return counts;
}

/** One request seen by a counting proxy: method, path and decoded query. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The server's answer. */
  status?: number | undefined;
}

export interface CountingProxy {
  /** Point a CLI run here (AWS_ENDPOINT_URL_S3) to have its requests counted. */
  readonly endpoint: string;
  readonly seen: SeenRequest[];
  /** ListObjectsV2 requests of the repository's own keys (the change feed's folder under .lsync/ left out). */
  listings(): number;
  close(): Promise<void>;
}

/**
 * A plain HTTP proxy in front of a real S3 server that notes every request: for runs of the CLI in
 * a child process, whose SDK client a test cannot reach. Requests and answers pass unchanged (the
 * Host header too, so signatures still match).
 */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const entry: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: { ...req.headers } };
    seen.push(entry);
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      entry.status = answer.statusCode;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // An answer the server cuts off half-way (s3rver does under load) cuts the client's off too:
      // pipe() would leave the client waiting for the rest for ever.
      pipeline(answer, res).catch(() => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    seen,
    listings: () => seen.filter((r) => r.method === 'GET' && r.query.get('list-type') === '2' && !(r.query.get('prefix') ?? '').includes('.lsync/')).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
