/**
 * How a download computes its content MD5: over the bytes as they pass (small objects), or read
 * back from the partial by a worker thread as it grows (large ones, see scan/md5-thread.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FileHasher } from '../scan/md5-thread.js';

/** Objects at least this large are hashed by a worker thread (scan/md5-thread.ts) rather than as they pass. */
export const WORKER_HASH_MIN = 32 * 1024 * 1024;

async function hashPrefix(file: string, bytes: number, h: Hash, signal?: AbortSignal): Promise<void> {
  if (bytes === 0) return;
  const stream = createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1024 * 1024, ...(signal !== undefined ? { signal } : {}) });
  for await (const chunk of stream) h.update(chunk as Buffer);
}

/**
 * How a fetch computes its content MD5: over the bytes as they pass (small objects), or read back
 * from the partial by a worker thread as it grows (large ones, see scan/md5-thread.ts).
 */
export interface ContentDigest {
  /** Bytes on their way to the partial, in order. */
  pass(chunk: Buffer): void;
  /** The partial now holds `bytes` bytes, all written. */
  written(bytes: number): void;
  /** A failed attempt passed bytes that never reached the partial, which holds `bytes`: realign. */
  realign(bytes: number): Promise<void>;
  digest(bytes: number): Promise<string>;
  close(): Promise<void>;
}

export class PassingDigest implements ContentDigest {
  private h = createHash('md5');

  constructor(private readonly file: string, private readonly signal: AbortSignal | undefined) {}

  pass(chunk: Buffer): void {
    this.h.update(chunk);
  }

  written(): void {}

  async realign(bytes: number): Promise<void> {
    this.h = createHash('md5');
    await hashPrefix(this.file, bytes, this.h, this.signal);
  }

  async digest(): Promise<string> {
    return this.h.digest('hex');
  }

  async close(): Promise<void> {}
}

export class WorkerDigest implements ContentDigest {
  private readonly hasher: FileHasher;

  constructor(file: string) {
    this.hasher = new FileHasher(file);
  }

  pass(): void {}

  written(bytes: number): void {
    this.hasher.written(bytes);
  }

  // The worker reads what is on disk, and is told only of bytes written: nothing to undo.
  async realign(): Promise<void> {}

  digest(bytes: number): Promise<string> {
    return this.hasher.digest(bytes);
  }

  close(): Promise<void> {
    return this.hasher.close();
  }
}
