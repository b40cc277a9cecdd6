/**
 * The content MD5 of a download, off the main thread.
 *
 * Hashing a large download as its bytes pass (download.ts does that for small ones) puts ~0.8 s of
 * MD5 per 512 MiB on the thread that also receives and writes them: measured on a 2-core machine
 * against s3rver, that thread was the bottleneck of a pull. Here a worker thread reads the partial
 * file back as it grows (from the page cache) and hashes it, in parallel with the transfer. It also
 * hashes a resumed partial's existing prefix while the rest is already being fetched.
 *
 * Only bytes the writer has finished writing are announced (`written`), and the file only grows by
 * appends, so the worker always reads final data: what is hashed is what is on disk.
 */
import { Worker } from 'node:worker_threads';

/** Announce progress to the worker at most once per this many bytes (messages cost a few µs). */
const STEP = 1024 * 1024;

interface Done {
  readonly digest: string;
  readonly bytes: number;
}

function isDone(x: unknown): x is Done {
  return typeof x === 'object' && x !== null && typeof (x as Done).digest === 'string' && typeof (x as Done).bytes === 'number';
}

export class FileHasher {
  private readonly worker: Worker;
  private readonly done: Promise<Done>;
  private announced = 0;

  /** Starts hashing `file` (which must exist) from its first byte. */
  constructor(readonly file: string) {
    this.worker = new Worker(new URL('./md5-worker.js', import.meta.url), { workerData: { file } });
    this.done = new Promise<Done>((resolve, reject) => {
      this.worker.once('message', (m: unknown) => (isDone(m) ? resolve(m) : reject(new Error('md5 worker: unexpected answer'))));
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
