/**
 * upload: send a local file or link. Whatever is recorded is what was hashed and sent: a small
 * file is read once into memory, hashed and sent from that buffer; a large one is hashed (if the
 * scan left it unhashed) and sent resumably, and recorded only if it did not change meanwhile.
 */
import { createHash } from 'node:crypto';
import { readFileSync, type Stats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import type { Action, LocalEntry, RemoteEntry } from '../../core/types.js';
import type { PartDigests, PutOptions, PutResult } from '../../remote/remote.js';
import { hashFile } from '../../scan/hash.js';
import { fileDigests } from '../../scan/md5-thread.js';
import type { RunContext } from '../context.js';
import { sameStat, unchanged } from '../guards.js';
import { lstatQuiet } from '../localfs.js';
import { Ignored, Skip, type Moved } from '../outcome.js';
import { recordFile } from '../records.js';

/** Files up to this size are read into memory, hashed and sent from one buffer: what is sent is what is hashed. */
export const SMALL_FILE = 8 * 1024 * 1024;

export async function upload(a: Extract<Action, { type: 'upload' }>, run: RunContext): Promise<Moved> {
  return { sent: await sendFile(run, a.path, a.local, a.expectRemote), received: 0 };
}

type Conditions = Pick<PutOptions, 'ifMatch' | 'ifNoneMatch' | 'replacedSize'>;

/**
 * Send the file at `path` if it is still `local`, replacing `expectRemote` (undefined: only if
 * nothing is there), and record it. Returns the bytes sent.
 */
export async function sendFile(run: RunContext, path: string, local: LocalEntry, expectRemote: RemoteEntry | undefined): Promise<number> {
  const st = unchanged(run.abs(path), local);
  const cond: Conditions = expectRemote !== undefined ? { ifMatch: expectRemote.etag, replacedSize: expectRemote.size } : { ifNoneMatch: true };
  if (local.kind === 'link') return sendLink(run, path, local, st, cond);
  if (st.size <= SMALL_FILE) return sendSmall(run, path, local, st, cond);
  return sendLarge(run, path, local, st, cond);
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

function progress(run: RunContext, path: string): (bytes: number) => void {
  return (bytes) => run.emit({ type: 'progress', path, bytes });
}

/** A link's body is its target itself, never what it points to; the mode of a link means nothing. */
async function sendLink(run: RunContext, path: string, local: LocalEntry, st: Stats, cond: Conditions): Promise<number> {
  if (!run.links) throw new Ignored(`${path}: a symbolic link, left alone (sync with --links to store it)`);
  const file = run.abs(path);
  const target = await readlink(file, { encoding: 'buffer' });
  const again = lstatQuiet(file);
  if (again === undefined || !sameStat(again, local) || again.ino !== st.ino) throw new Skip('changed locally while being read');
  const hash = md5(target);
  const result = await run.remote.put(path, { kind: 'bytes', data: target }, { meta: { md5: hash, mtimeMs: st.mtimeMs, link: true }, ...cond, onProgress: progress(run, path), ...run.signalFor(st.size) });
  recordFile(run, path, st, hash, result);
  return target.byteLength;
}

async function sendSmall(run: RunContext, path: string, local: LocalEntry, st: Stats, cond: Conditions): Promise<number> {
  // Synchronous, like the small downloads (see download.ts SMALL_OBJECT): a small read from a
  // local disk costs less than the thread-pool round trips of an async open/fstat/read/close.
  const data = readFileSync(run.abs(path));
  unchanged(run.abs(path), local, 'changed locally while being read');
  const hash = md5(data);
  const meta = { mtimeMs: st.mtimeMs, mode: st.mode & 0o7777, md5: hash };
  const result = await run.remote.put(path, { kind: 'bytes', data }, { meta, ...cond, onProgress: progress(run, path), ...run.signalFor(st.size) });
  recordFile(run, path, st, hash, result);
  return st.size;
}

async function sendLarge(run: RunContext, path: string, local: LocalEntry, st: Stats, cond: Conditions): Promise<number> {
  const file = run.abs(path);
  const { hash, partMd5s } = await hashForUpload(run, path, local, st.size);
  // Large files upload resumably: an interrupted upload continues from its stored parts on the
  // next run, and only the bytes really sent are counted.
  let sent = 0;
  const onProgress = progress(run, path);
  const resume = run.checkpoints.storeFor(path, { size: st.size, mtimeMs: st.mtimeMs, md5: hash });
  const result: PutResult = await run.remote.put(
    path,
    { kind: 'file', file, size: st.size },
    {
      meta: { mtimeMs: st.mtimeMs, mode: st.mode & 0o7777, md5: hash },
      ...cond,
      onProgress: (bytes) => {
        sent += bytes;
        onProgress(bytes);
      },
      resume,
      ...(partMd5s !== undefined ? { partMd5s } : {}),
      ...run.signalFor(st.size),
    },
  );
  const after = lstatQuiet(file);
  if (after === undefined || !sameStat(after, local)) {
    run.emit({ type: 'warning', path, message: `${path}: changed while it was being uploaded; the next run sends it again` });
    return sent;
  }
  recordFile(run, path, st, hash, result);
  return sent;
}

/**
 * The whole-file MD5 (for the metadata, before the upload starts) of a file the scan left
 * unhashed and, where the remote takes it in parts, each part's (to check the part ETags) in one
 * pass of two threads, so the upload does not hash each part again as it sends it. A file the
 * scan hashed is read again only where the remote needs its parts' digests: it would make that
 * pass itself otherwise (part-source.ts plannedDigests), unseen by the progress line.
 */
async function hashForUpload(run: RunContext, path: string, local: LocalEntry, size: number): Promise<{ hash: string; partMd5s: PartDigests | undefined }> {
  const file = run.abs(path);
  const partSize = run.remote.partSizeFor?.(size);
  if (local.hash !== undefined && partSize === undefined) return { hash: local.hash, partMd5s: undefined };
  // The progress line shows the reading (a few seconds per GiB) instead of a stalled transfer.
  const onBytes = (bytes: number): void => run.emit({ type: 'hashing', path, bytes, size });
  let out: { hash: string; partMd5s: PartDigests | undefined };
  if (partSize !== undefined) {
    const digests = await fileDigests(file, size, partSize, run.signal, onBytes);
    out = { hash: digests.md5, partMd5s: digests.parts };
  } else {
    out = { hash: await hashFile(file, run.signal, onBytes), partMd5s: undefined };
  }
  unchanged(file, local, 'changed locally while being read');
  if (local.hash !== undefined && out.hash !== local.hash) throw new Skip('changed locally since the scan');
  return out;
}
