/**
 * Content hashing: lowercase hex MD5 of a whole file (see `ContentHash` in core/types.ts for why
 * MD5).
 */

import { createHash } from 'node:crypto';
import { close, constants, open, read } from 'node:fs';
import { promisify } from 'node:util';
import type { ContentHash } from '../core/types.js';

// The callback API through promisify: `fs.promises` FileHandles cost about twice as much per small
// file (open, read and close each dominated the profile of a first scan).
const openAsync = promisify(open);
const readAsync = promisify(read);
const closeAsync = promisify(close);

const CHUNK = 256 * 1024;
/** Reads of a file that filled the first chunk: larger, and two at a time (see below). */
const BIG_CHUNK = 1024 * 1024;

/**
 * MD5 of the file at `path`, read in chunks so large files never sit in memory whole. `onBytes`
 * hears of each chunk read (the progress line of a big file being hashed).
 */
export async function hashFile(path: string, signal?: AbortSignal, onBytes?: (bytes: number) => void): Promise<ContentHash> {
  signal?.throwIfAborted();
  const md5 = createHash('md5');
  // O_NOFOLLOW: a file swapped for a link is never read through it. O_NONBLOCK: one swapped for a
  // named pipe fails instead of blocking forever (no effect on regular files).
  const fd = await openAsync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    const first = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await readAsync(fd, first, 0, CHUNK, null);
      if (bytesRead === 0) return md5.digest('hex');
      md5.update(first.subarray(0, bytesRead));
      onBytes?.(bytesRead);
      if (bytesRead === CHUNK) break;
      signal?.throwIfAborted();
    }
    // A large file (it filled a whole chunk): from here the next chunk is read (by the thread pool)
    // while this one is hashed, so the hash of a 512 MiB file no longer waits for its reads (a third
    // of its time). Small files never get here, nor pay for these buffers.
    let current = Buffer.allocUnsafe(BIG_CHUNK);
    let next = Buffer.allocUnsafe(BIG_CHUNK);
    pending = readAsync(fd, current, 0, BIG_CHUNK, null);
    for (;;) {
      const { bytesRead: n } = await pending;
      pending = undefined;
      if (n === 0) break;
      // Sequential reads (position null) stay in order: this one starts after the last one ended.
      pending = readAsync(fd, next, 0, BIG_CHUNK, null);
      md5.update(current.subarray(0, n));
      onBytes?.(n);
      [current, next] = [next, current];
      // Checked per chunk so that aborting stops a multi-gigabyte hash promptly.
      signal?.throwIfAborted();
    }
  } finally {
    // Never close the descriptor under a read still in flight.
    await pending?.catch(() => undefined);
    await closeAsync(fd);
  }
  return md5.digest('hex');
}
