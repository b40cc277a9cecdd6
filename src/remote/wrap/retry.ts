/**
 * Retry: calls that fail with RemoteError('transient') (throttling, 5xx, network) are tried again
 * after the project's one backoff (../backoff.ts: exponential, full jitter);
 * every other failure passes through at once. An abort (the call's signal) stops the wait
 * immediately and rejects with the signal's reason.
 *
 * What each call needs to be safe to repeat:
 * - `list`: a listing that fails is started again; paths up to the last one already yielded are
 *   skipped (listings come in compareKeys order), so each path is yielded once. A listing that made
 *   progress before failing starts a fresh attempt budget: a long listing is many requests.
 * - `put`: file and bytes sources are re-read from the start on each attempt. A conditional put
 *   whose earlier attempt failed transiently may in fact have landed, and then its retry fails with
 *   'precondition' against our own write: on that answer the object is stat'ed, and if it holds the
 *   put's MD5 the put counts as done (returning the object's ETag). A competing writer's identical
 *   content is indistinguishable, and also harmless: the object holds what we meant to write.
 * - `get`: the request is retried; a body stream that breaks later is the caller's to handle.
 * - `delete`, `copy`, `stat`, `check`: idempotent.
 * - The optional methods: `discardUpload`, `listVersions`, `getVersion` and `getIfChanged` only
 *   read or abort, so each is retried whole like `get` (a version list is one answer, not a stream).
 */
import { compareKeys } from '../../core/paths.js';
import { describeOp, RemoteError, type GetOptions, type GetResult, type PutOptions, type PutResult, type PutSource, type ListHints, type Remote, type RemoteObject } from '../remote.js';
import { backoff, delayAfter, type Backoff } from '../backoff.js';
import { ForwardingRemote, type CopyOptions, type DeleteOptions, type OptionalWrapping, type RemoteOp } from './forward.js';

export interface RetryInfo {
  readonly op: RemoteOp;
  readonly path?: string;
  /** The attempt that just failed, 1-based. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: RemoteError;
}

export interface RetryOptions {
  /** Tries in all, the first included. Default 5. */
  readonly attempts?: number;
  /** First backoff ceiling. Default 200 ms. */
  readonly baseMs?: number;
  /** Largest backoff ceiling. Default 10 s. */
  readonly maxMs?: number;
  /** In [0, 1); default Math.random (tests pass a fixed one). */
  readonly random?: () => number;
  /** Must reject with the signal's reason as soon as it aborts. Default: a timer. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told before each backoff (for a log line or a progress event). */
  readonly onRetry?: (info: RetryInfo) => void;
}

export function withRetry(remote: Remote, options: RetryOptions = {}): Remote {
  return new RetryingRemote(remote, options);
}

function isKind(err: unknown, kind: RemoteError['kind']): err is RemoteError {
  return err instanceof RemoteError && err.kind === kind;
}

/** Each optional method retried whole, as the required ones are. */
const RETRY_OPTIONAL: OptionalWrapping<RetryingRemote> = {
  discardUpload: (self, inner) => (checkpoint, signal) => self.retried('discardUpload', undefined, signal, () => inner(checkpoint, signal)),
  listVersions: (self, inner) => (path, signal) => self.retried('listVersions', path, signal, () => inner(path, signal)),
  getVersion: (self, inner) => (path, id, options) => self.retried('getVersion', path, options?.signal, () => inner(path, id, options)),
  getIfChanged: (self, inner) => (path, etag, options) => self.retried('getIfChanged', path, options?.signal, () => inner(path, etag, options)),
  keepVersion: (self, inner) => (path, ifMatch, signal, size) => self.retried('keepVersion', path, signal, () => inner(path, ifMatch, signal, size)),
  // Deleting copies already deleted is fine: the whole pass runs again.
  pruneVersions: (self, inner) => (retention) => self.retried('pruneVersions', undefined, retention.signal, () => inner(retention)),
};

class RetryingRemote extends ForwardingRemote<RetryingRemote> {
  private readonly policy: Backoff;
  private readonly onRetry: RetryOptions['onRetry'];

  constructor(inner: Remote, o: RetryOptions) {
    super(inner, RETRY_OPTIONAL);
    this.policy = backoff(o);
    this.onRetry = o.onRetry;
  }

  /** `fn` until it succeeds, fails for good, or the attempts run out. */
  retried<T>(op: RemoteOp, path: string | undefined, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return this.run(op, path, signal, fn);
  }

  private async run<T>(op: RemoteOp, path: string | undefined, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        return await fn();
      } catch (err) {
        await this.backoff(op, path, attempt, err, signal);
      }
    }
  }

  /** Wait before the next attempt; throws `err` (or the give-up error) when there is none. */
  private async backoff(op: RemoteOp, path: string | undefined, attempt: number, err: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (!isKind(err, 'transient')) throw err;
    if (attempt >= this.policy.attempts) throw this.gaveUp(op, path, attempt, err);
    signal?.throwIfAborted();
    const delayMs = delayAfter(this.policy, attempt);
    this.onRetry?.({ op, ...(path !== undefined ? { path } : {}), attempt, delayMs, error: err });
    await this.policy.sleep(delayMs, signal);
  }

  /** One line: what, where, how many tries, and the last reason (without repeating the what/where). */
  private gaveUp(op: RemoteOp, path: string | undefined, attempts: number, last: RemoteError): RemoteError {
    const what = describeOp(op, path, this.display);
    // The inner remote's message starts with the same what/where (describeOp): keep only its reason.
    const reason = last.message.startsWith(`${what}: `) ? last.message.slice(what.length + 2) : last.message;
    const message = `${what}: gave up after ${attempts} attempts: ${reason}`.replace(/\s*[\r\n]+\s*/g, ' ');
    return new RemoteError('transient', message, path, { cause: last });
  }

  override check(): Promise<void> {
    return this.run('check', undefined, undefined, () => this.inner.check());
  }

  override async *list(under = '', signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject> {
    // A restarted listing begins again; what was yielded before the restart is skipped. In byte
    // order that is everything up to the last path yielded; in any order, a set of the paths.
    let last: string | undefined;
    const seen = hints?.anyOrder === true ? new Set<string>() : undefined;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let progressed = false;
      try {
        for await (const object of this.inner.list(under, signal, hints)) {
          if (seen !== undefined) {
            if (seen.has(object.path)) continue;
            seen.add(object.path);
          } else {
            if (last !== undefined && compareKeys(object.path, last) <= 0) continue;
            last = object.path;
          }
          progressed = true;
          yield object;
        }
        return;
      } catch (err) {
        if (progressed) attempt = 1;
        await this.backoff('list', under, attempt, err, signal);
      }
    }
  }

  override stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    return this.run('stat', path, signal, () => this.inner.stat(path, signal));
  }

  override get(path: string, options?: GetOptions): Promise<GetResult> {
    return this.run('get', path, options?.signal, () => this.inner.get(path, options));
  }

  override put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    const conditional = options.ifNoneMatch === true || options.ifMatch !== undefined;
    const md5 = options.meta.md5?.toLowerCase();
    let mayHaveLanded = false;
    return this.run('put', path, options.signal, async () => {
      try {
        return await this.inner.put(path, source, options);
      } catch (err) {
        if (mayHaveLanded && conditional && md5 !== undefined && isKind(err, 'precondition')) {
          const now = await this.inner.stat(path, options.signal);
          if (now !== undefined && now.meta?.md5?.toLowerCase() === md5) {
            return { etag: now.etag, ...(now.versionId !== undefined ? { versionId: now.versionId } : {}) };
          }
        }
        if (isKind(err, 'transient')) mayHaveLanded = true;
        throw err;
      }
    });
  }

  override copy(from: string, to: string, options?: CopyOptions): Promise<PutResult> {
    return this.run('copy', from, options?.signal, () => this.inner.copy(from, to, options));
  }

  override delete(path: string, options?: DeleteOptions): Promise<void> {
    return this.run('delete', path, options?.signal, () => this.inner.delete(path, options));
  }
}
