/**
 * Pacing an upload's bytes on the wire (PutOptions.throttle), for bandwidth limits.
 *
 * Buffer bodies (single-request puts) stay whole buffers up to the HTTP handler, so the SDK can
 * sign, checksum and retry them. The pacing happens at the last moment instead: a middleware just
 * before the handler swaps the signed request's buffer for a stream that awaits the throttle before
 * each slice. Every attempt of the SDK's retry gets a fresh stream over the same buffer (the request
 * is copied, not changed). Streamed bodies (multipart parts) are paced as they are read
 * (`pacedSource`).
 */
import { Readable } from 'node:stream';
import type { PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';

export const PACE_SLICE = 64 * 1024;

export type Throttle = (bytes: number, signal?: AbortSignal) => Promise<void>;

/** The buffer as a stream that waits for `throttle` before each slice of at most PACE_SLICE bytes. */
export function pacedStream(data: Uint8Array, throttle: Throttle, signal: AbortSignal | undefined): Readable {
  async function* slices(): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < data.byteLength; offset += PACE_SLICE) {
      const slice = data.subarray(offset, Math.min(offset + PACE_SLICE, data.byteLength));
      await throttle(slice.byteLength, signal);
      yield Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength);
    }
  }
  return Readable.from(slices(), { objectMode: false });
}

/** Make `command` send its buffer body paced by `throttle` (no-op when throttle is undefined). */
export function pace<C extends PutObjectCommand | UploadPartCommand>(command: C, throttle: Throttle | undefined, signal: AbortSignal | undefined): C {
  if (throttle === undefined) return command;
  (command as PutObjectCommand).middlewareStack.add(
    (next) => async (args) => {
      const request: unknown = args.request;
      if (typeof request !== 'object' || request === null || !('body' in request) || !(request.body instanceof Uint8Array)) return next(args);
      return next({ ...args, request: { ...request, body: pacedStream(request.body, throttle, signal) } });
    },
    // Last before the handler: after retry, signing and checksums, which all want the buffer.
    { step: 'deserialize', priority: 'low', name: 'lsyncPaceBody' },
  );
  return command;
}

/** `source` re-sliced into PACE_SLICE pieces, each released when `throttle` allows it. */
export function pacedSource(source: Readable, throttle: Throttle, signal: AbortSignal | undefined): Readable {
  async function* slices(): AsyncGenerator<Buffer> {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      for (let offset = 0; offset < chunk.byteLength; offset += PACE_SLICE) {
        const slice = chunk.subarray(offset, Math.min(offset + PACE_SLICE, chunk.byteLength));
        await throttle(slice.byteLength, signal);
        yield slice;
      }
    }
  }
  return Readable.from(slices(), { objectMode: false });
}
