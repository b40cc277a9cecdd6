/** The end-of-run summary, as one JSON object or as a few lines of text. */
import type { SyncOutcome } from '../../app/sync.js';
import type { ExecActionType } from '../../exec/events.js';
import { formatBytes } from './format.js';
import { shownType } from '../../core/action-view.js';
import { listingJson, nameJson } from './json.js';
import { bookkeeping, DONE, REASON, asIs, type PathShow } from './words.js';

function plannedCounts(outcome: SyncOutcome): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of outcome.actions) counts[shownType(a)] = (counts[shownType(a)] ?? 0) + 1;
  return counts;
}

export function summaryJson(outcome: SyncOutcome, seconds: number): Record<string, unknown> {
  const r = outcome.result;
  return {
    type: 'summary',
    remote: outcome.remote,
    planned: plannedCounts(outcome),
    done: r?.done ?? 0,
    doneByType: r?.doneByType ?? {},
    skipped: r?.skipped ?? 0,
    failed: r?.failed ?? 0,
    postponed: r?.postponed ?? 0,
    conflicts: outcome.conflicts.map((c) => ({ path: c.path, reason: c.reason })),
    names: outcome.names.map(nameJson),
    bytesSent: r?.bytesSent ?? 0,
    bytesReceived: r?.bytesReceived ?? 0,
    seconds: Number(seconds.toFixed(3)),
    ...listingJson(outcome),
  };
}

/** The text summary's lines (none for a run that did not execute). */
export function summaryLines(outcome: SyncOutcome, seconds: number, quiet: boolean, show: PathShow = asIs): string[] {
  const r = outcome.result;
  if (r === undefined) return [];
  // What was done, never what was planned (issue 11 defect 4): a failed, skipped or interrupted
  // action is not counted; the lines below (and sync-run's) say what became of the rest.
  const parts: string[] = [];
  for (const [type, n] of Object.entries(r.doneByType)) if (!bookkeeping(type as ExecActionType) && n > 0) parts.push(`${DONE[type as ExecActionType]} ${n}`);
  const planned = Object.keys(plannedCounts(outcome)).some((t) => !bookkeeping(t as ExecActionType));
  const lines: string[] = [];
  if (!planned && outcome.conflicts.length === 0 && outcome.names.length === 0) {
    if (!quiet) lines.push('Everything up to date.');
  } else if (!quiet) {
    lines.push(`${parts.length > 0 ? parts.join(', ') : planned ? 'nothing done' : 'nothing to transfer'}; sent ${formatBytes(r.bytesSent)}, received ${formatBytes(r.bytesReceived)} in ${seconds.toFixed(1)} s`);
  }
  if (r.failed > 0) lines.push(`${r.failed} failed (see the errors above)`);
  if (r.skipped > 0) lines.push(`${r.skipped} skipped (see the lines above)`);
  if (outcome.conflicts.length > 0) {
    lines.push(`${outcome.conflicts.length} conflict(s) left untouched:`);
    for (const c of outcome.conflicts) lines.push(`  ${REASON[c.reason].padEnd(14)} ${show(c.path)}`);
    lines.push('settle with: lsync resolve <path>... --keep local|remote|both');
  }
  if (outcome.names.length > 0) lines.push(`${outcome.names.length} name problem(s): those paths were left out (see the warnings above); rename them and sync again`);
  return lines;
}
