/**
 * Reading the bytes of a put: whole buffers of exactly the requested range, so the SDK can retry a
 * request and memory stays at one buffer per request in flight.
 */
import type { FileHandle } from 'node:fs/promises';
import { RemoteError, type PutSource } from '../remote.js';
import type { PartSource } from './multipart.js';

/** `handle` must be open on `source.file` for file sources (the caller owns and closes it). */
export function partSource(source: PutSource, handle: FileHandle | undefined): PartSource {
  // Bytes are in memory already: a view, no copy (and `into` is not needed).
  if (source.kind === 'bytes') return { read: async (offset, length) => source.data.subarray(offset, offset + length) };
  if (handle === undefined) throw new Error('file source without an open handle');
  return {
    async read(offset: number, length: number, into?: Buffer): Promise<Uint8Array> {
      const buf = into !== undefined && into.byteLength === length ? into : Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) {
          throw new RemoteError('permanent', `${source.file}: file is shorter than ${source.size} bytes (changed while uploading?)`);
        }
        done += bytesRead;
      }
      return buf;
    },
  };
}
