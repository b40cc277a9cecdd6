/**
 * Reading a small object whole (Remote `getIfChanged`), for any remote through its get(): the
 * object is opened, and when it still has the ETag the caller knows its body is dropped unread.
 * Where the service can answer "not modified" without sending anything (S3: s3/read-small.ts),
 * the remote does better than this.
 */
import type { Readable } from 'node:stream';
import { RemoteError, type GetOptions, type GetResult, type IfChanged, type IfChangedOptions } from './remote.js';

/** Default of IfChangedOptions.maxBytes. */
export const SMALL_READ_LIMIT = 1024 * 1024;

export function tooBig(what: string, path: string, size: number | undefined, maxBytes: number): RemoteError {
  const message = `${what}: ${size !== undefined ? `${size} bytes` : 'the object'} is larger than the ${maxBytes} bytes a small read accepts`;
  return new RemoteError('permanent', message, path);
}

/** The whole body, failing (and releasing it) once it passes `maxBytes`. */
export async function readLimited(body: Readable, maxBytes: number, tooBigError: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.byteLength;
    if (total > maxBytes) {
      body.destroy();
      throw tooBigError();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

/** getIfChanged through `get`: `what` names the read in messages (`get "path" in …`). */
export async function readIfChangedByGet(
  get: (path: string, options: GetOptions) => Promise<GetResult>,
  path: string,
  etag: string | undefined,
  what: string,
  options: IfChangedOptions = {},
): Promise<IfChanged> {
  const maxBytes = options.maxBytes ?? SMALL_READ_LIMIT;
  let got: GetResult;
  try {
    got = await get(path, options.signal !== undefined ? { signal: options.signal } : {});
  } catch (err) {
    if (err instanceof RemoteError && err.kind === 'not-found') return { state: 'missing' };
    throw err;
  }
  const { body, object } = got;
  if (etag !== undefined && object.etag === etag) {
    body.destroy();
    return { state: 'unchanged' };
  }
  if (object.size > maxBytes) {
    body.destroy();
    throw tooBig(what, path, object.size, maxBytes);
  }
  return { state: 'changed', object, data: await readLimited(body, maxBytes, () => tooBig(what, path, undefined, maxBytes)) };
}
