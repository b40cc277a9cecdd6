/**
 * Files whose stat changed but whose content did not (touched, or rewritten with the same bytes):
 * their base record takes the new stat, so the next scan trusts it instead of hashing the file
 * again. Decided with the plan (nothing writes the database outside it), carried out by the
 * executor before the plan's actions (exec/records.ts).
 *
 * Pure: no `node:*` imports.
 */
import { compareKeys } from './paths.js';
import type { Restat, Snapshot } from './types.js';

export function restats(snapshot: Snapshot): Restat[] {
  const out: Restat[] = [];
  for (const [path, l] of snapshot.local) {
    const b = snapshot.base.get(path);
    if (b === undefined || l.hash === undefined || l.hash !== b.hash || l.kind !== b.kind) continue;
    if (l.size === b.size && l.mtimeMs === b.mtimeMs && l.mode === b.mode && b.racy !== true) continue;
    out.push({ path, base: b, local: l });
  }
  // By path, as everything a plan lists: the same plan whatever the maps' order.
  return out.sort((a, b) => compareKeys(a.path, b.path));
}
