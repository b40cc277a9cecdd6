/**
 * A byte budget for request bodies held in memory: whole-object puts of files below the multipart
 * threshold (multipart parts are streamed, see multipart.ts).
 *
 * Why not just the request concurrency: at --concurrency 16 with 16 MiB parts that allows 256 MiB
 * of buffers (plus what the allocator keeps around), and the number of sockets that keeps a link
 * busy has nothing to do with how much memory lsync may use. Bodies stay whole buffers (the SDK can
 * sign and retry them); the budget caps how many exist at once.
 *
 * First come, first served: a waiting request is never overtaken by a smaller one behind it (no
 * starvation of big parts). A request larger than the whole budget (parts grow past it for files
 * beyond 10,000 × the budget) is granted when it is alone.
 *
 * Buffers are recycled (`take` / `give`): a freed 16 MiB buffer is only returned to the system when
 * the garbage collector gets to it, and V8 lets a lot of such external memory pile up first (the
 * measured peak RSS of a 512 MiB upload was some 130 MiB above the budget without reuse). Only a
 * buffer whose request finished is given back: after a failure or abort the socket may still hold
 * it, so it is left to the collector.
 */

export type Release = () => void;

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
}

export class ByteBudget {
  private used = 0;
  private readonly queue: Waiter[] = [];
  /** Recycled buffers, and their total size. */
  private readonly free: Buffer[] = [];
  private pooled = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new Error(`byte budget must be positive, got ${capacity}`);
  }

  /** Bytes currently granted (for tests and diagnostics). */
  get inUse(): number {
    return this.used;
  }

  /** Wait until `bytes` fit, then hold them until the returned function is called (once). */
  acquire(bytes: number, signal?: AbortSignal): Promise<Release> {
    signal?.throwIfAborted();
    const need = Math.min(Math.max(0, bytes), this.capacity);
    if (this.queue.length === 0 && this.used + need <= this.capacity) {
      this.used += need;
      return Promise.resolve(this.releaser(need));
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal?.reason);
        // The head may have been the one blocking those behind it.
        this.drain();
      };
      const waiter: Waiter = {
        bytes: need,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser(need));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private releaser(bytes: number): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.drain();
    };
  }

  /**
   * A buffer of `length` bytes for a request that holds `length` of the budget: a recycled one when
   * one is big enough, else new. Recycled buffers plus those in use stay within the capacity.
   */
  take(length: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b !== undefined && b.byteLength >= length && (best < 0 || b.byteLength < (this.free[best]?.byteLength ?? Infinity))) best = i;
    }
    if (best >= 0) {
      const [b] = this.free.splice(best, 1);
      if (b !== undefined) {
        this.pooled -= b.byteLength;
        return b.subarray(0, length);
      }
    }
    // Making room for a new buffer: drop recycled ones (the collector frees them) first.
    while (this.free.length > 0 && this.pooled + this.used > this.capacity) {
      const b = this.free.shift();
      if (b !== undefined) this.pooled -= b.byteLength;
    }
    return Buffer.allocUnsafe(length);
  }

  /**
   * Return a buffer from `take` whose request is over (nothing else references it any more), after
   * releasing its bytes.
   */
  give(buffer: Buffer): void {
    const whole = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.buffer.byteLength - buffer.byteOffset);
    // Only whole allocations of their own are worth keeping (allocUnsafe may hand out pool slices).
    if (buffer.byteOffset !== 0 || whole.byteLength < 64 * 1024) return;
    if (this.pooled + whole.byteLength + this.used > this.capacity) return;
    this.free.push(whole);
    this.pooled += whole.byteLength;
  }

  private drain(): void {
    for (;;) {
      const head = this.queue[0];
      if (head === undefined || this.used + head.bytes > this.capacity) return;
      this.queue.shift();
      this.used += head.bytes;
      head.grant();
    }
  }
}
