/**
 * Settling conflicts by a policy (`resolve --keep`, or the `conflict` option of the config):
 * turns each conflict into the action that carries the chosen outcome. The planner calls it
 * (PlanOptions.settle), so a settled conflict is part of the plan that `status` shows. Pure.
 */
import type { Action, Conflict, SettlePolicy } from './types.js';

export type { KeepPolicy } from './types.js';
export type { KeepBothAction as KeepBoth } from './types.js';

export function settleOne(c: Conflict, policy: SettlePolicy): Action {
  const base = c.base !== undefined ? { base: c.base } : {};
  switch (policy.keep) {
    case 'local':
      return { type: 'upload', path: c.path, local: c.local, expectRemote: c.remote, ...base };
    case 'remote':
      return { type: 'download', path: c.path, remote: c.remote, expectLocal: c.local, ...base };
    case 'both':
      return { type: 'keep-both', path: c.path, conflictPath: policy.nameFor(c.path), local: c.local, remote: c.remote, ...base };
  }
}

export function settle(conflicts: readonly Conflict[], policy: SettlePolicy): Action[] {
  return conflicts.map((c) => settleOne(c, policy));
}
