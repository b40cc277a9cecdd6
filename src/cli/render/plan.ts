/**
 * `lsync status` (and any --dry-run) as text, read like `git status`: the plan grouped (to push, to
 * pull, conflicts, left out) with counts and sizes, paths as typed from here, and one last line
 * saying the command to run next (next.ts).
 */
import type { SyncOutcome } from '../../app/sync.js';
import { actionBytes, isBookkeeping, shownType } from '../../core/action-view.js';
import type { ExecAction } from '../../exec/executor.js';
import type { Out } from '../io.js';
import { formatBytes } from './format.js';
import { nextStep, type NextContext } from './next.js';
import { REASON, VERB, asIs, isPull, isPush, namePaths, shown, where, type PathShow } from './words.js';

export interface PlanTextOptions {
  readonly verbose: boolean;
  readonly show?: PathShow;
  /** What the user ran, for the closing hint; without it no hint is printed. */
  readonly next?: Omit<NextContext, 'show'>;
}

/** `3 changes, 1.2 MiB`: how many, and the bytes they move (when any). */
function tally(n: number, bytes: number): string {
  return `${n} ${n === 1 ? 'change' : 'changes'}${bytes > 0 ? `, ${formatBytes(bytes)}` : ''}`;
}

export function renderPlanText(outcome: SyncOutcome, out: Out, o: PlanTextOptions): void {
  const show = o.show ?? asIs;
  const lines: string[] = [`Remote: ${outcome.remote}`];
  // The transfer groups say how much they move; the others how many.
  const section = (title: string, items: readonly ExecAction[], sized = false): void => {
    if (items.length === 0) return;
    lines.push(`${title} (${sized ? tally(items.length, items.reduce((n, a) => n + actionBytes(a), 0)) : items.length}):`);
    for (const a of items) lines.push(`  ${VERB[shownType(a)].padEnd(14)} ${where(shown(a), show)}${a.type === 'keep-both' ? ` (local copy → ${show(a.conflictPath)})` : ''}`);
  };
  section('To push', outcome.actions.filter(isPush), true);
  section('To pull', outcome.actions.filter(isPull), true);
  section('Conflicts settled by policy', outcome.actions.filter((a) => a.type === 'keep-both'));
  if (o.verbose) section('Bookkeeping', outcome.actions.filter((a) => isBookkeeping(shownType(a))));
  const pending = outcome.plan.pending;
  if (pending.length > 0) {
    lines.push(`Not acted on by this command (${pending.length}):`);
    for (const p of pending) lines.push(`  ${`${p.side} ${p.change}`.padEnd(14)} ${show(p.path)}`);
  }
  if (outcome.conflicts.length > 0) {
    lines.push(`Conflicts (${outcome.conflicts.length}, changed on both sides; nothing is done to them):`);
    for (const c of outcome.conflicts) lines.push(`  ${REASON[c.reason].padEnd(14)} ${show(c.path)}`);
  }
  if (outcome.names.length > 0) {
    lines.push(`Names that cannot be used here, left out (${outcome.names.length}; see the warnings):`);
    for (const n of outcome.names) lines.push(`  ${namePaths(n, show).join(', ')}`);
  }
  for (const r of outcome.plan.refusals) lines.push(`Refused: ${r.message}`);
  const moving = outcome.actions.some((a) => !isBookkeeping(shownType(a)));
  if (!moving && outcome.conflicts.length === 0 && pending.length === 0 && outcome.names.length === 0) lines.push('Everything up to date.');
  const next = o.next !== undefined ? nextStep(outcome, { ...o.next, show }) : undefined;
  if (next !== undefined) lines.push('', `next: ${next}`);
  out.write(`${lines.join('\n')}\n`);
}
