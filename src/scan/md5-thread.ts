/**
 * MD5s computed by a worker thread (md5-worker.ts) that reads the bytes back from the file.
 *
 * Measured on a 2-core machine against s3rver with a 512 MiB file: hashing on the thread that
 * also moves the bytes made that thread the bottleneck of a transfer (~0.8 s of MD5 per 512 MiB,
 * on top of receiving or sending them). A second thread reading the same bytes from the page cache
 * costs one more memory copy and runs beside the transfer instead.
 *
 * - FileHasher (downloads): the MD5 of a file being appended to, hashed as it grows. Only bytes the
 *   writer has finished are announced (`written`), and the file only grows by appends, so the
 *   worker always reads final data: what is hashed is what is on disk.
 * - RangeHasher (multipart uploads): the MD5 of any byte range of a file, to check each part's
 *   ETag against.
 * - fileDigests (new large files before their upload): the MD5 of a whole file and of each of its
 *   parts, by two workers reading it side by side: one pass of wall time where the upload would
 *   otherwise hash each part a second time while sending it.
 */
import { Worker } from 'node:worker_threads';
import type { PartDigests } from '../remote/remote.js';

/** Announce progress to the worker at most once per this many bytes (messages cost a few µs). */
const STEP = 1024 * 1024;

function startWorker(file: string, mode: 'follow' | 'ranges'): Worker {
  return new Worker(new URL('./md5-worker.js', import.meta.url), { workerData: { file, mode } });
}

function field(x: unknown, key: string): unknown {
  return typeof x === 'object' && x !== null ? (x as Record<string, unknown>)[key] : undefined;
}

export class FileHasher {
  private readonly worker: Worker;
  private readonly done: Promise<{ digest: string; bytes: number }>;
  private announced = 0;

  /** Starts hashing `file` (which must exist) from its first byte. */
  constructor(readonly file: string) {
    this.worker = startWorker(file, 'follow');
    this.done = new Promise((resolve, reject) => {
      this.worker.once('message', (m: unknown) => {
        const digest = field(m, 'digest');
        const bytes = field(m, 'bytes');
        if (typeof digest === 'string' && typeof bytes === 'number') resolve({ digest, bytes });
        else reject(new Error('md5 worker: unexpected answer'));
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`md5 worker exited (code ${code})`)));
    });
    // A failure is reported by `digest()`; until then it must not count as unhandled.
    this.done.catch(() => undefined);
  }

  /** The first `bytes` bytes of the file are written and final. */
  written(bytes: number): void {
    if (bytes - this.announced < STEP) return;
    this.announced = bytes;
    this.worker.postMessage({ upTo: bytes });
  }

  /** The MD5 (lowercase hex) of the first `bytes` bytes, once they are all written. */
  async digest(bytes: number): Promise<string> {
    this.announced = bytes;
    this.worker.postMessage({ upTo: bytes, end: true });
    const done = await this.done;
    if (done.bytes !== bytes) throw new Error(`${this.file}: hashed ${done.bytes} bytes, expected ${bytes}`);
    return done.digest;
  }

  /** Stop the worker (always call it: a live worker keeps the process running). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export class RangeHasher {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (md5: string) => void; reject: (err: Error) => void }>();

  constructor(readonly file: string) {}

  /** The MD5 (lowercase hex) of `length` bytes of the file from `offset`. */
  md5(offset: number, length: number): Promise<string> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, offset, length });
    });
  }

  private start(): Worker {
    const worker = startWorker(this.file, 'ranges');
    worker.on('message', (m: unknown) => {
      const id = field(m, 'id');
      const waiter = typeof id === 'number' ? this.waiting.get(id) : undefined;
      if (waiter === undefined || typeof id !== 'number') return;
      this.waiting.delete(id);
      const digest = field(m, 'digest');
      if (typeof digest === 'string') waiter.resolve(digest);
      else waiter.reject(new Error(String(field(m, 'error') ?? 'md5 worker: unexpected answer')));
    });
    const failAll = (err: Error): void => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`md5 worker exited (code ${code})`)));
    return worker;
  }

  /** Stop the worker, if one was started (always call it: a live worker keeps the process running). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}

/** The MD5 of a whole file and of each part of `partSize` bytes (see PutOptions `partMd5s`). */
export interface FileDigests {
  readonly md5: string;
  readonly parts: PartDigests;
}

/**
 * The MD5 of the first `size` bytes of `file` and of each of their parts, computed by two worker
 * threads at once (an MD5 cannot be split, but the two hashes are independent): a FileHasher for
 * the whole, a RangeHasher for the parts (asked for all of them at once, it hashes them in order).
 * Aborting stops both. `onBytes` hears of each part hashed (the progress line of a big file).
 */
export async function fileDigests(file: string, size: number, partSize: number, signal?: AbortSignal, onBytes?: (bytes: number) => void): Promise<FileDigests> {
  signal?.throwIfAborted();
  const whole = new FileHasher(file);
  const ranges = new RangeHasher(file);
  const offsets: number[] = [];
  for (let at = 0; at === 0 || at < size; at += partSize) offsets.push(at);
  let onAbort: (() => void) | undefined;
  // An abort stops the workers; it is reported as itself, not as "worker exited".
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const [md5, md5s] = await Promise.race([Promise.all([whole.digest(size), Promise.all(offsets.map((at) => partMd5(ranges, at, Math.min(partSize, size - at), onBytes)))]), aborted]);
    return { md5, parts: { partSize, md5s } };
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    await Promise.all([ranges.close(), whole.close()]);
  }
}

async function partMd5(ranges: RangeHasher, offset: number, length: number, onBytes: ((bytes: number) => void) | undefined): Promise<string> {
  const md5 = await ranges.md5(offset, length);
  onBytes?.(length);
  return md5;
}
