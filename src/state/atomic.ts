/**
 * Replace a file so that a crash at any moment leaves either the old or the new content.
 *
 * The classic sequence: write a temporary file in the same directory (rename is only atomic
 * within one file system), fsync it (so the rename cannot reach the disk before the data), rename
 * it over the target, then fsync the directory (so the rename itself is durable).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** One string/buffer, or a sequence of chunks written in order (large files need no big join). */
export type FileData = string | Uint8Array | Iterable<string | Uint8Array>;

export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o666);
  try {
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) {
        await handle.writeFile(data);
      } else {
        // writeFile on a handle continues from the current position, and loops on short writes.
        for (const chunk of data) await handle.writeFile(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

/** fsync a directory so that entries created, renamed or removed in it survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    // Some platforms (Windows) cannot open a directory; they also do not need this step.
    if (isCode(err, 'EISDIR') || isCode(err, 'EPERM') || isCode(err, 'EACCES')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    // A few file systems refuse fsync on directories; the rename is as durable as they allow.
    if (!(isCode(err, 'EINVAL') || isCode(err, 'ENOTSUP') || isCode(err, 'EBADF'))) throw err;
  } finally {
    await handle.close();
  }
}

export function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
