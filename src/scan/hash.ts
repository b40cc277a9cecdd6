/**
 * Content hashing: lowercase hex MD5 of a whole file (see `ContentHash` in core/types.ts for why
 * MD5).
 */

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ContentHash } from '../core/types.js';

const CHUNK = 256 * 1024;

/** MD5 of the file at `path`, read in chunks so large files never sit in memory whole. */
export async function hashFile(path: string, signal?: AbortSignal): Promise<ContentHash> {
  signal?.throwIfAborted();
  const md5 = createHash('md5');
  // O_NOFOLLOW: a file swapped for a link is never read through it. O_NONBLOCK: one swapped for a
  // named pipe fails instead of blocking forever (no effect on regular files).
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      md5.update(buf.subarray(0, bytesRead));
      // Checked per chunk so that aborting stops a multi-gigabyte hash promptly.
      signal?.throwIfAborted();
    }
  } finally {
    await fh.close();
  }
  return md5.digest('hex');
}
