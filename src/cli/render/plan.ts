/** `lsync status` (and any --dry-run) as text: the plan as a whole, before anything moves. */
import type { SyncOutcome } from '../../app/sync.js';
import { isBookkeeping, shownType } from '../../core/action-view.js';
import type { ExecAction } from '../../exec/executor.js';
import type { Out } from '../io.js';
import { REASON, VERB, asIs, isPull, isPush, namePaths, shown, where, type PathShow } from './words.js';

export function renderPlanText(outcome: SyncOutcome, out: Out, verbose: boolean, show: PathShow = asIs): void {
  const lines: string[] = [`Remote: ${outcome.remote}`];
  const section = (title: string, items: readonly ExecAction[]): void => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`);
    for (const a of items) lines.push(`  ${VERB[shownType(a)].padEnd(14)} ${where(shown(a), show)}${a.type === 'keep-both' ? ` (local copy → ${show(a.conflictPath)})` : ''}`);
  };
  section('To push', outcome.actions.filter(isPush));
  section('To pull', outcome.actions.filter(isPull));
  section('Conflicts settled by policy', outcome.actions.filter((a) => a.type === 'keep-both'));
  if (verbose) section('Bookkeeping', outcome.actions.filter((a) => isBookkeeping(shownType(a))));
  const pending = outcome.plan.pending;
  if (pending.length > 0) {
    lines.push(`Not acted on by this command (${pending.length}):`);
    for (const p of pending) lines.push(`  ${`${p.side} ${p.change}`.padEnd(14)} ${show(p.path)}`);
  }
  if (outcome.conflicts.length > 0) {
    lines.push(`Conflicts (${outcome.conflicts.length}):`);
    for (const c of outcome.conflicts) lines.push(`  ${REASON[c.reason].padEnd(14)} ${show(c.path)}`);
    lines.push('  settle with: lsync resolve <path>... --keep local|remote|both');
  }
  for (const r of outcome.plan.refusals) lines.push(`Refused: ${r.message}`);
  if (outcome.names.length > 0) {
    lines.push(`Names that cannot be used here, left out (${outcome.names.length}; see the warnings):`);
    for (const n of outcome.names) lines.push(`  ${namePaths(n, show).join(', ')}`);
  }
  const moving = outcome.actions.some((a) => !isBookkeeping(shownType(a)));
  if (!moving && outcome.conflicts.length === 0 && pending.length === 0 && outcome.names.length === 0) lines.push('Everything up to date.');
  out.write(`${lines.join('\n')}\n`);
}
