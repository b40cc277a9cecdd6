/**
 * The file operations of the directory remote (file-remote.ts): content identity from `stat`,
 * hashing, directory fsync, and writing a put's bytes into a temporary file (paced, hashed as
 * written, fsynced) before it is renamed into place.
 */
import { createHash } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { RemoteError, type PutOptions, type PutSource } from '../remote.js';
import { errnoCode } from './errors.js';

/** Cheap identity of a file's current content: changes on any write, rename-over, touch or chmod. */
export function etagOf(st: BigIntStats): string {
  return [st.ino, st.size, st.mtimeNs, st.ctimeNs].map((n) => n.toString(16)).join('-');
}

export function mtimeMsOf(st: BigIntStats): number {
  return Number(st.mtimeNs) / 1e6;
}

export async function lstatOrUndefined(file: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(file, { bigint: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

export async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** fsync a directory so a rename into it survives a crash; not every platform allows it. */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on some systems and network file systems: nothing more we can do.
  } finally {
    await handle?.close();
  }
}

/** PutOptions.throttle slices; file reads already come in chunks of this size (the stream default). */
const THROTTLE_SLICE = 64 * 1024;

/** Write the source to `tmp`, fsync it, report progress, and return the MD5 of what was written. */
export async function writeTemp(tmp: string, source: PutSource, options: PutOptions): Promise<string> {
  const hash = createHash('md5');
  const out = await open(tmp, 'wx', 0o600);
  try {
    if (source.kind === 'bytes' && options.throttle !== undefined) {
      // Paced: written in slices, each after its throttle (PutOptions.throttle).
      for (let offset = 0; offset < source.data.byteLength; offset += THROTTLE_SLICE) {
        const slice = source.data.subarray(offset, Math.min(offset + THROTTLE_SLICE, source.data.byteLength));
        await options.throttle(slice.byteLength, options.signal);
        await out.write(slice);
        hash.update(slice);
        options.onProgress?.(slice.byteLength);
      }
    } else if (source.kind === 'bytes') {
      await out.write(source.data);
      hash.update(source.data);
      options.onProgress?.(source.data.byteLength);
    } else {
      let written = 0;
      if (source.size > 0) {
        const input = await open(source.file, 'r');
        try {
          for await (const chunk of input.createReadStream({ start: 0, end: source.size - 1, autoClose: false })) {
            options.signal?.throwIfAborted();
            const buf = chunk as Buffer;
            await options.throttle?.(buf.byteLength, options.signal);
            await out.write(buf);
            hash.update(buf);
            written += buf.byteLength;
            options.onProgress?.(buf.byteLength);
          }
        } finally {
          await input.close();
        }
      }
      if (written !== source.size) {
        throw new RemoteError('permanent', `${source.file}: read ${written} bytes, expected ${source.size} (changed while uploading?)`);
      }
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}

