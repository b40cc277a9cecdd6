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

/** MD5 of the file at `path`, read in chunks so large files never sit in memory whole. */
export async function hashFile(path: string, signal?: AbortSignal): Promise<ContentHash> {
  signal?.throwIfAborted();
  const md5 = createHash('md5');
  // O_NOFOLLOW: a file swapped for a link is never read through it. O_NONBLOCK: one swapped for a
  // named pipe fails instead of blocking forever (no effect on regular files).
  const fd = await openAsync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await readAsync(fd, buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      md5.update(buf.subarray(0, bytesRead));
      // Checked per chunk so that aborting stops a multi-gigabyte hash promptly.
      signal?.throwIfAborted();
    }
  } finally {
    await closeAsync(fd);
  }
  return md5.digest('hex');
}
