/**
 * A Remote that forwards every call to another one: the base of every wrapper, which overrides
 * only the calls it changes.
 *
 * The optional methods (remote.ts OptionalOps) are present on a wrapper exactly when the remote
 * inside has them, and each wrapper says, per method, what it does to it: the `OptionalWrapping`
 * table its constructor passes is typed so that leaving one out (or a new one added to
 * OptionalOps) does not compile. `PASS_THROUGH` is the table of a wrapper that changes none.
 */
import type { Readable, Transform } from 'node:stream';
import type {
  Capabilities,
  CopyOptions,
  GetOptions,
  GetResult,
  IfChanged,
  IfChangedOptions,
  ListHints,
  OptionalOp,
  OptionalOps,
  PutOptions,
  PutResult,
  PutSource,
  Remote,
  RemoteObject,
  RemoteVersion,
  PruneResult,
  VersionRetention,
  UploadCheckpoint,
} from '../remote.js';

/** The operations of the Remote interface, by name (for counters, fault rules, retry messages). */
export type RemoteOp = 'check' | 'list' | 'stat' | 'get' | 'put' | 'copy' | 'delete' | OptionalOp;

/** Every op once (typed as a record so that a new op must be added here too). */
const OP_SET: Readonly<Record<RemoteOp, true>> = {
  check: true,
  list: true,
  stat: true,
  get: true,
  put: true,
  copy: true,
  delete: true,
  discardUpload: true,
  listVersions: true,
  getVersion: true,
  getIfChanged: true,
  keepVersion: true,
  pruneVersions: true,
};
export const REMOTE_OPS = Object.keys(OP_SET) as readonly RemoteOp[];

export type { CopyOptions } from '../remote.js';
export type DeleteOptions = { readonly ifMatch?: string; readonly signal?: AbortSignal; readonly replacedSize?: number };

/**
 * What a wrapper `W` does to each optional method: given the wrapper and the inner remote's
 * method (bound), the wrapper's own. Every key is required. Called from the base constructor,
 * before the wrapper's own fields are set: read them inside the returned method, not outside it.
 */
export type OptionalWrapping<W> = { readonly [K in OptionalOp]: (self: W, inner: OptionalOps[K]) => OptionalOps[K] };

/** For a wrapper that changes no optional method. */
export const PASS_THROUGH: OptionalWrapping<unknown> = {
  discardUpload: (_self, inner) => inner,
  listVersions: (_self, inner) => inner,
  getVersion: (_self, inner) => inner,
  getIfChanged: (_self, inner) => inner,
  keepVersion: (_self, inner) => inner,
  pruneVersions: (_self, inner) => inner,
};

const OPTIONAL_OPS: readonly OptionalOp[] = Object.keys(PASS_THROUGH) as OptionalOp[];

/** `inner`'s method `op`, bound to it, wrapped by `wrapping`; undefined where `inner` lacks it. */
function wrapOptional<K extends OptionalOp, W>(inner: Remote, op: K, self: W, wrapping: OptionalWrapping<W>): OptionalOps[K] | undefined {
  const method = inner[op] as OptionalOps[K] | undefined;
  if (method === undefined) return undefined;
  const bound = (method as (...args: unknown[]) => unknown).bind(inner) as OptionalOps[K];
  return wrapping[op](self, bound);
}

export class ForwardingRemote<W = unknown> implements Remote {
  // Own properties set by the constructor, only where the inner remote has the method.
  declare readonly discardUpload?: (checkpoint: UploadCheckpoint, signal?: AbortSignal) => Promise<void>;
  declare readonly listVersions?: (path: string, signal?: AbortSignal) => Promise<readonly RemoteVersion[]>;
  declare readonly getVersion?: (path: string, id: string, options?: GetOptions) => Promise<GetResult>;
  declare readonly getIfChanged?: (path: string, etag: string | undefined, options?: IfChangedOptions) => Promise<IfChanged>;
  declare readonly keepVersion?: (path: string, ifMatch: string, signal?: AbortSignal, size?: number) => Promise<string | undefined>;
  declare readonly pruneVersions?: (retention: VersionRetention) => Promise<PruneResult>;

  constructor(protected readonly inner: Remote, wrapping: OptionalWrapping<W>) {
    const own = this as Partial<OptionalOps>;
    for (const op of OPTIONAL_OPS) {
      const method = wrapOptional(inner, op, this as unknown as W, wrapping);
      if (method !== undefined) Object.defineProperty(own, op, { value: method, enumerable: false, writable: false });
    }
  }

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

/** The one abortable sleep (../backoff.ts), for wrappers that wait. */
export { sleep } from '../backoff.js';

/**
 * `body` piped through `out`, for wrappers that change a get() body: an error of the source fails
 * the result, and destroying the result (a consumer that gives up) releases the source.
 */
export function pipeThrough(body: Readable, out: Transform): Readable {
  body.on('error', (err) => out.destroy(err));
  out.on('close', () => body.destroy());
  return body.pipe(out);
}
