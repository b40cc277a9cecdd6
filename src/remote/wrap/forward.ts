/**
 * A Remote that forwards every call to another one: the base of every wrapper, which overrides
 * only the calls it changes.
 */
import type { Readable, Transform } from 'node:stream';
import type { Capabilities, CopyOptions, GetOptions, GetResult, PutOptions, PutResult, PutSource, ListHints, Remote, RemoteObject } from '../remote.js';

/** The operations of the Remote interface, by name (for counters, fault rules, retry messages). */
export type RemoteOp = 'check' | 'list' | 'stat' | 'get' | 'put' | 'copy' | 'delete';

export type { CopyOptions } from '../remote.js';
export type DeleteOptions = { readonly ifMatch?: string; readonly signal?: AbortSignal };

export class ForwardingRemote implements Remote {
  constructor(protected readonly inner: Remote) {}

  get display(): string {
    return this.inner.display;
  }

  get capabilities(): Capabilities {
    return this.inner.capabilities;
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  list(under?: string, signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject> {
    return this.inner.list(under, signal, hints);
  }

  partSizeFor(size: number): number | undefined {
    return this.inner.partSizeFor?.(size);
  }

  stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    return this.inner.stat(path, signal);
  }

  get(path: string, options?: GetOptions): Promise<GetResult> {
    return this.inner.get(path, options);
  }

  put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    return this.inner.put(path, source, options);
  }

  copy(from: string, to: string, options?: CopyOptions): Promise<PutResult> {
    return this.inner.copy(from, to, options);
  }

  delete(path: string, options?: DeleteOptions): Promise<void> {
    return this.inner.delete(path, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
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

/**
 * `body` piped through `out`, for wrappers that change a get() body: an error of the source fails
 * the result, and destroying the result (a consumer that gives up) releases the source.
 */
export function pipeThrough(body: Readable, out: Transform): Readable {
  body.on('error', (err) => out.destroy(err));
  out.on('close', () => body.destroy());
  return body.pipe(out);
}
