/**
 * The one backoff policy of every retry loop in lsync (the retry wrapper, the multipart part loop,
 * download resumes): exponential backoff with full jitter, delay = random × min(maxMs, baseMs ×
 * 2^(n-1)) before attempt n + 1 (AWS's "full jitter": retries from many clients spread out
 * instead of arriving together). Aborts end the wait at once.
 */
export interface Backoff {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** First delay ceiling, ms. */
  readonly baseMs: number;
  /** Largest delay ceiling, ms. */
  readonly maxMs: number;
  /** In [0, 1); tests pass a fixed one. */
  readonly random: () => number;
  /** Must reject with the signal's reason as soon as it aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const DEFAULT_BACKOFF: Backoff = { attempts: 5, baseMs: 200, maxMs: 10_000, random: Math.random, sleep };

/** The policy with some fields replaced (absent ones keep the default's). */
export function backoff(o: Partial<Backoff> = {}, base: Backoff = DEFAULT_BACKOFF): Backoff {
  return {
    attempts: Math.max(1, Math.floor(o.attempts ?? base.attempts)),
    baseMs: o.baseMs ?? base.baseMs,
    maxMs: o.maxMs ?? base.maxMs,
    random: o.random ?? base.random,
    sleep: o.sleep ?? base.sleep,
  };
}

/** The wait after failed attempt `attempt` (1-based), ms. */
export function delayAfter(policy: Backoff, attempt: number): number {
  return Math.round(policy.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1)));
}

export interface RetryLoop {
  /** Whether this failure is worth another attempt (the attempts left are checked apart). */
  readonly retryable: (err: unknown) => boolean;
  /** Told before each wait. */
  readonly onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
  readonly signal?: AbortSignal;
}

/**
 * `fn(attempt)` until it succeeds, fails with something not retryable, or the attempts run out
 * (the last failure is thrown as it is). `fn` gets the 1-based attempt number.
 */
export async function retrying<T>(policy: Backoff, loop: RetryLoop, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    loop.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (loop.signal?.aborted === true || attempt >= policy.attempts || !loop.retryable(err)) throw err;
      const delayMs = delayAfter(policy, attempt);
      loop.onRetry?.(attempt, delayMs, err);
      await policy.sleep(delayMs, loop.signal);
    }
  }
}
