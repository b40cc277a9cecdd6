/**
 * A link object (its body, fetched into `.lsync/tmp/`, is the target) recreated as a symbolic
 * link: created under a temporary name in `.lsync/tmp/` and renamed into place, under the same
 * preconditions as a file. Nothing is ever written through the link, whatever its target
 * (absolute, or out of the repository: stored as data, recreated as-is): lutimes, not utimes, and
 * no chmod.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, lutimes, readFile, rename, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { mtimeSeconds } from '../../core/mtime.js';
import type { RunContext } from '../context.js';
import type { Fetched } from '../download.js';
import { Ignored } from '../outcome.js';
import { recordFile } from '../records.js';

/** Longest link target accepted from the remote (Linux PATH_MAX): a bigger "link" is not one. */
const MAX_LINK_TARGET = 4096;

export async function installLink(run: RunContext, path: string, fetched: Fetched, checkLocal: () => Stats | undefined): Promise<number> {
  const { tmp, object } = fetched;
  let tmpLink: string | undefined;
  try {
    if (!run.links) throw new Ignored(`${path}: a symbolic link on the remote, left alone (sync with --links to recreate it)`);
    if (object.size === 0 || object.size > MAX_LINK_TARGET) throw new Ignored(`${path}: marked as a symbolic link on the remote, but its target is ${object.size} bytes; left alone`);
    const target = await readFile(tmp);
    if (target.includes(0)) throw new Ignored(`${path}: marked as a symbolic link on the remote, but its target holds a NUL byte; left alone`);
    tmpLink = join(run.tmpDir, `ln-${randomBytes(8).toString('hex')}`);
    await symlink(target, tmpLink);
    const mtimeMs = object.meta?.mtimeMs ?? object.lastModifiedMs;
    await lutimes(tmpLink, new Date(), mtimeSeconds(mtimeMs));
    const cur = checkLocal();
    if (cur !== undefined) await run.trash.keepCopy(path);
    await rename(tmpLink, run.abs(path));
    tmpLink = undefined;
    const st = await lstat(run.abs(path));
    recordFile(run, path, st, fetched.hash, object);
    return fetched.received;
  } finally {
    await unlink(tmp).catch(() => undefined);
    if (tmpLink !== undefined) await unlink(tmpLink).catch(() => undefined);
  }
}
