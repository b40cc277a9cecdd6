/**
 * Resumable downloads into `.lsync/tmp/`.
 *
 * A download writes to a partial file whose name depends only on (path, remote ETag), and that file
 * is kept when the transfer is interrupted or fails (abort, kill -9, a dropped connection). The next
 * attempt at the same object finds it, hashes the bytes already there (the MD5 covers the whole
 * content) and asks only for the rest with a ranged GET guarded by If-Match, so a changed object
 * never gets its new tail glued onto an old head. Only `.lsync/tmp/` ever holds partial data: the
 * caller renames the verified, complete file into place.
 *
 * The partial file is always a contiguous prefix of the object (appended in order), so its size
 * alone says where to resume; no sidecar state is needed.
 */
import { createHash } from 'node:crypto';
import { closeSync, fchmodSync, fstatSync, fsync, futimesSync, openSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { backoff, DEFAULT_BACKOFF, retrying, type Backoff } from '../remote/backoff.js';
import { RemoteError, type Remote, type RemoteObject } from '../remote/remote.js';
import { mtimeSeconds } from '../core/mtime.js';
import { AppendSink } from './append-sink.js';
import { PassingDigest, WORKER_HASH_MIN, WorkerDigest, type ContentDigest } from './digests.js';
import type { EventSink } from './events.js';
import { lstatQuiet } from './localfs.js';
import { partialName, type Partials } from './partials.js';

export { partialName, Partials, PARTIAL_MAX_AGE_MS } from './partials.js';
export { WORKER_HASH_MIN } from './digests.js';

/** Resumptions within one attempt after the body broke off mid-way (each must have made progress). */
const INLINE_RESUMES = 3;

/** The project's one backoff (../remote/backoff.ts) between resumptions; tests may pass their own. */
function resumePolicy(deps: FetchDeps): Backoff {
  return backoff({ attempts: INLINE_RESUMES + 1 }, deps.backoff ?? DEFAULT_BACKOFF);
}

export interface FetchDeps {
  readonly remote: Remote;
  readonly partials: Partials;
  readonly emit: EventSink;
  readonly signal?: AbortSignal;
  /**
   * The permission bits (undefined: leave them) and mtime the finished file must carry, from what
   * the GET said about the object. Small objects get them while their file is still open, and
   * come back with `stats`; large ones are left to the caller.
   */
  readonly attributes?: (object: RemoteObject) => { readonly mode?: number; readonly mtimeMs: number };
  /** Waits between resumptions of a body that broke off (default: the project's DEFAULT_BACKOFF). */
  readonly backoff?: Backoff;
}

export interface Fetched {
  /** The complete, verified file in `.lsync/tmp/` (the caller renames or unlinks it). */
  readonly tmp: string;
  readonly hash: string;
  readonly object: RemoteObject;
  /** Bytes that came over the wire in this run (less than the size when a partial was resumed). */
  readonly received: number;
  /** The file's stat once `attributes` were applied, when they were (small objects). */
  readonly stats?: Stats;
}

/** The partial's size, 0 when absent, -1 when it is not a plain file. */
function sizeOf(file: string): number {
  const st = lstatQuiet(file);
  if (st === undefined) return 0;
  return st.isFile() ? st.size : -1;
}

/** One ranged GET from `from` to the end, appended to `tmp` through `digest`; returns what the GET said about the object. */
async function fetchRange(
  path: string,
  expect: { readonly etag: string; readonly size: number },
  tmp: string,
  from: number,
  digest: ContentDigest,
  deps: FetchDeps,
  onBytes: (n: number) => void,
): Promise<RemoteObject> {
  const got = await deps.remote.get(path, {
    ifMatch: expect.etag,
    // Always a range (end exclusive): for a complete partial the implementation answers the empty
    // range with a HEAD, which still brings the metadata (mtime, mode, MD5) to finish with.
    start: from,
    end: expect.size,
    ...(deps.signal !== undefined ? { signal: deps.signal } : {}),
  });
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      digest.pass(chunk);
      onBytes(chunk.length);
      deps.emit({ type: 'progress', path, bytes: chunk.length });
      cb(null, chunk);
    },
  });
  await pipeline(got.body, tap, new AppendSink(tmp, from, (size) => digest.written(size)));
  return got.object;
}

/**
 * Objects below this size come in one GET, whole in memory, and are written with synchronous
 * calls on one descriptor (open, write, fchmod, futimes, fstat, close; only the fsync goes to the
 * thread pool), with no partial left behind on failure. Why: on a pull of 10,000 small files the
 * async fs calls per file (each a hand-off to the thread pool and back, ~0.1 ms of this thread's
 * CPU here on a loaded 2-core machine) and the stream machinery cost as much as the SDK request
 * itself; a write of a small file to a local disk takes microseconds.
 */
const SMALL_OBJECT = 1024 * 1024;

/** fetchObject for a small object with no partial to resume: the same checks and result. */
async function fetchSmall(path: string, expect: { readonly etag: string; readonly size: number; readonly hash?: string }, tmp: string, deps: FetchDeps): Promise<Fetched> {
  let received = 0;
  // The request itself is retried by the Remote's wrappers; here, only a body that breaks off is
  // asked for again, whole (it is small), after the project's backoff, as large downloads resume.
  let reading = false;
  const { got, data } = await retrying(resumePolicy(deps), { retryable: () => reading, ...(deps.signal !== undefined ? { signal: deps.signal } : {}) }, async () => {
    reading = false;
    const got = await deps.remote.get(path, { ifMatch: expect.etag, ...(deps.signal !== undefined ? { signal: deps.signal } : {}) });
    reading = true;
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of got.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      bytes += chunk.byteLength;
      received += chunk.byteLength;
      deps.emit({ type: 'progress', path, bytes: chunk.byteLength });
    }
    if (bytes !== got.object.size) throw new RemoteError('transient', `${path}: received ${bytes} bytes, expected ${got.object.size}`, path);
    return { got, data: chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, bytes) };
  });
  const hash = createHash('md5').update(data).digest('hex');
  const wanted = got.object.meta?.md5 ?? expect.hash;
  if (wanted !== undefined && wanted !== hash) {
    throw new RemoteError('permanent', `${path}: content does not match its recorded MD5 (object changed or corrupt)`, path);
  }
  const attrs = deps.attributes?.(got.object);
  const fd = openSync(tmp, 'w');
  let stats: Stats | undefined;
  try {
    for (let at = 0; at < data.byteLength; ) at += writeSync(fd, data, at);
    if (attrs?.mode !== undefined) fchmodSync(fd, attrs.mode);
    if (attrs !== undefined) futimesSync(fd, new Date(), mtimeSeconds(attrs.mtimeMs));
    // The rename that follows must never publish data still only in the page cache.
    await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err === null ? resolve() : reject(err))));
    if (attrs !== undefined) stats = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  return { tmp, hash, object: got.object, received, ...(stats !== undefined ? { stats } : {}) };
}

/**
 * Fetch the object at `path` as the listing saw it (`expect`: its ETag and size, and its MD5 when
 * known) into its partial file, resuming from what an earlier attempt left there.
 *
 * Throws RemoteError('precondition') when the object changed (the partial is deleted: it can never
 * complete). On any other failure the partial stays for the next attempt, except when the content
 * proves wrong: then it is deleted, and a download that had resumed someone's partial starts over
 * once, at once (the partial may be what was wrong: a crash can leave garbage after a power cut).
 */
export async function fetchObject(
  path: string,
  expect: { readonly etag: string; readonly size: number; readonly hash?: string },
  deps: FetchDeps,
): Promise<Fetched> {
  const name = partialName(path, expect.etag);
  const tmp = join(deps.partials.dir, name);
  const resumable = deps.partials.has(path, name);
  await deps.partials.dropOtherVersions(path, name);
  if (!resumable && expect.size < SMALL_OBJECT) return fetchSmall(path, expect, tmp, deps);
  let received = 0;
  for (let startOver = false; ; startOver = true) {
    let have = sizeOf(tmp);
    // Longer than the object, or not a plain file: not ours to trust.
    if (startOver || have < 0 || have > expect.size) {
      await unlink(tmp).catch(() => undefined);
      have = 0;
    }
    const resumedFrom = have;
    let digest: ContentDigest;
    if (expect.size >= WORKER_HASH_MIN) {
      // The worker opens the partial at once: it must exist (empty when starting afresh).
      if (have === 0) await (await open(tmp, 'w')).close();
      digest = new WorkerDigest(tmp);
      digest.written(have);
    } else {
      digest = new PassingDigest(tmp, deps.signal);
      await digest.realign(have);
    }
    let hash: string;
    let object: RemoteObject;
    try {
      if (have > 0) deps.emit({ type: 'progress', path, bytes: have });
      let before = have;
      let onDisk = have;
      // The body broke off (a reset connection, a server restart): ask for the rest now rather
      // than next run, after the project's backoff, as long as each try makes progress. Anything
      // else keeps the partial; a changed object (precondition) can never complete it.
      const bodyBroke = (e: unknown): boolean => {
        if (e instanceof RemoteError && e.kind === 'precondition') return false;
        onDisk = sizeOf(tmp);
        return onDisk > before;
      };
      object = await retrying(resumePolicy(deps), { retryable: bodyBroke, ...(deps.signal !== undefined ? { signal: deps.signal } : {}) }, async (attempt) => {
        if (attempt > 1 && onDisk !== have) {
          // The tap saw bytes the writer never wrote: hash again from what is on disk.
          await digest.realign(onDisk);
          have = onDisk;
        }
        before = have;
        return fetchRange(path, expect, tmp, have, digest, deps, (n) => {
          have += n;
          received += n;
        });
      }).catch(async (e: unknown) => {
        if (e instanceof RemoteError && e.kind === 'precondition') await unlink(tmp).catch(() => undefined);
        throw e;
      });
      if (have !== object.size) {
        // Keep the partial: a short body is a transfer problem, and the next try resumes after it.
        throw new RemoteError('transient', `${path}: received ${have} bytes, expected ${object.size}`, path);
      }
      hash = await digest.digest(have);
    } finally {
      await digest.close();
    }
    const wanted = object.meta?.md5 ?? expect.hash;
    if (wanted === undefined || wanted === hash) return { tmp, hash, object, received };
    await unlink(tmp).catch(() => undefined);
    if (startOver || resumedFrom === 0) {
      throw new RemoteError('permanent', `${path}: content does not match its recorded MD5 (object changed or corrupt)`, path);
    }
  }
}
