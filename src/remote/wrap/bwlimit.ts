/**
 * Bandwidth limit: one token bucket shared by every transfer through the wrapped Remote, uploads
 * and downloads alike (like rclone's --bwlimit), one token per byte.
 *
 * - Downloads: the `get()` body is piped through a Transform that takes tokens for each slice of
 *   at most 64 KiB before passing it on, so the socket is read only as fast as the limit allows.
 * - Uploads: the wrapper cannot reach inside the service client, so it hands the bucket to the
 *   implementation as `PutOptions.throttle`, which the implementation awaits before each slice it
 *   sends (see remote.ts).
 *
 * - Optional reads: a version's body is paced like a get()'s; a getIfChanged() answer (small, read
 *   whole by the implementation) takes its tokens once it has arrived, so the reads after it wait.
 *
 * The bucket holds at most `burstSeconds` of rate (default 1 s) and starts empty, so the rate
 * holds over any window of a few seconds: a W-second window carries at most (W + burst) × rate.
 * Takers may overdraw it: each waits until the balance is back at zero, which queues concurrent
 * transfers in arrival order and keeps their total at the rate.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { GetOptions, GetResult, PutOptions, PutResult, PutSource, Remote } from '../remote.js';
import { ForwardingRemote, pipeThrough, sleep as realSleep, type OptionalWrapping } from './forward.js';

const SLICE = 64 * 1024;

export interface TokenBucketOptions {
  /** Capacity, in seconds of rate. Default 1. */
  readonly burstSeconds?: number;
  /** Clock in ms and sleep, for tests; default the real ones. */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class TokenBucket {
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private tokens = 0;
  private last: number;

  constructor(readonly bytesPerSecond: number, o: TokenBucketOptions = {}) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) throw new Error(`bandwidth limit must be a positive number of bytes per second, not ${bytesPerSecond}`);
    this.capacity = bytesPerSecond * (o.burstSeconds ?? 1);
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? realSleep;
    this.last = this.now();
  }

  /** Wait until `bytes` may be sent. On abort the tokens are given back and the wait rejects. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    try {
      await this.sleep((-this.tokens * 1000) / this.bytesPerSecond, signal);
    } catch (err) {
      this.tokens += bytes;
      throw err;
    }
  }
}

export function withBandwidthLimit(remote: Remote, bytesPerSecond: number, options: TokenBucketOptions = {}): Remote {
  return new LimitedRemote(remote, new TokenBucket(bytesPerSecond, options));
}

const LIMIT_OPTIONAL: OptionalWrapping<LimitedRemote> = {
  discardUpload: (_self, inner) => inner,
  keepVersion: (_self, inner) => inner,
  pruneVersions: (_self, inner) => inner,
  listVersions: (_self, inner) => inner,
  getVersion: (self, inner) => async (path, id, options) => {
    const result = await inner(path, id, options);
    return { ...result, body: paced(result.body, self.bucket, options?.signal) };
  },
  getIfChanged: (self, inner) => async (path, etag, options) => {
    const answer = await inner(path, etag, options);
    if (answer.state === 'changed') await self.bucket.take(answer.data.byteLength, options?.signal);
    return answer;
  },
};

class LimitedRemote extends ForwardingRemote<LimitedRemote> {
  constructor(inner: Remote, readonly bucket: TokenBucket) {
    super(inner, LIMIT_OPTIONAL);
  }

  override async get(path: string, options?: GetOptions): Promise<GetResult> {
    const result = await this.inner.get(path, options);
    return { ...result, body: paced(result.body, this.bucket, options?.signal) };
  }

  override put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    const outer = options.throttle;
    const throttle = async (bytes: number, signal?: AbortSignal): Promise<void> => {
      await outer?.(bytes, signal);
      await this.bucket.take(bytes, signal);
    };
    return this.inner.put(path, source, { ...options, throttle });
  }
}

/** `body`, passed on no faster than the bucket allows; errors and destroy go both ways. */
function paced(body: Readable, bucket: TokenBucket, signal: AbortSignal | undefined): Readable {
  const out = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
      void (async () => {
        for (let offset = 0; offset < chunk.byteLength; offset += SLICE) {
          const slice = chunk.subarray(offset, Math.min(offset + SLICE, chunk.byteLength));
          await bucket.take(slice.byteLength, signal);
          this.push(slice);
        }
      })().then(() => done(), (err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
    },
  });
  return pipeThrough(body, out);
}

/**
 * '10M', '512K', '1.5M', '100', '2G' (optionally '10MB', '10M/s', '10MB/s') → bytes per second.
 * K, M, G are powers of 1024, as in rclone.
 */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:([kmg])i?)?b?(?:\/s)?\s*$/i.exec(text);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;
  const suffix = (m?.[2] ?? '').toLowerCase();
  const rate = m?.[1] !== undefined && (suffix === '' || suffix === 'k' || suffix === 'm' || suffix === 'g') ? Number(m[1]) * unit[suffix] : NaN;
  if (!(rate >= 1)) throw new Error(`bandwidth limit "${text}" is not a rate like 512K, 10M or 1.5M (bytes per second; K, M, G = 1024 multiples)`);
  return Math.floor(rate);
}
