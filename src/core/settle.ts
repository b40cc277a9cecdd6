/**
 * Settling conflicts by a policy (`resolve --keep`, or the `conflict` option of the config):
 * turns each conflict into the actions that carry the chosen outcome. Pure.
 */
import type { Action, Conflict, LocalEntry, RemoteEntry } from './types.js';

export type KeepPolicy = 'local' | 'remote' | 'both';

/** Settled by keeping both: the local file is renamed to `conflictPath` and the remote one takes its place. */
export interface KeepBoth {
  readonly type: 'keep-both';
  readonly path: string;
  readonly conflictPath: string;
  readonly local: LocalEntry;
  readonly remote: RemoteEntry;
}

export function settle(conflicts: readonly Conflict[], keep: KeepPolicy, nameFor: (path: string) => string): (Action | KeepBoth)[] {
  return conflicts.map((c): Action | KeepBoth => {
    const base = c.base !== undefined ? { base: c.base } : {};
    switch (keep) {
      case 'local':
        return { type: 'upload', path: c.path, local: c.local, expectRemote: c.remote, ...base };
      case 'remote':
        return { type: 'download', path: c.path, remote: c.remote, expectLocal: c.local, ...base };
      case 'both':
        return { type: 'keep-both', path: c.path, conflictPath: nameFor(c.path), local: c.local, remote: c.remote };
    }
  });
}
