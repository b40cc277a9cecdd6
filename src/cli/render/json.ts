/** The `--json` shapes of actions, plans and refused names, and the line tagger for --recursive. */
import type { NameProblem } from '../../core/names.js';
import { actionBytes, isDirAction, type ExecAction } from '../../exec/executor.js';
import type { SyncOutcome } from '../../app/sync.js';
import type { Out } from '../io.js';
import { shownType } from '../../core/action-view.js';
import { namePaths } from './words.js';

/**
 * An Out that adds `fields` to every JSON line written through it. `--recursive --json` runs
 * several repositories into one stream: this names the repository on every line (events, plan,
 * summary, errors) without each writer having to know. Every writer writes whole lines.
 */
export function tagJsonLines(out: Out, fields: Readonly<Record<string, string>>): Out {
  let pending = '';
  return {
    write(s: string): unknown {
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (lines.length === 0) return true;
      const tagged = lines.map((line) => {
        if (!line.startsWith('{')) return line;
        try {
          const obj = JSON.parse(line) as Record<string, unknown>;
          return JSON.stringify({ ...obj, ...fields });
        } catch {
          return line;
        }
      });
      return out.write(`${tagged.join('\n')}\n`);
    },
  };
}

/** The JSON shape of an action: what and where, never whole entries. */
export function actionJson(a: ExecAction): Record<string, unknown> {
  return {
    type: shownType(a),
    path: a.path,
    ...(isDirAction(a) ? { kind: 'dir' } : {}),
    bytes: actionBytes(a),
    ...(a.type === 'keep-both' ? { to: a.conflictPath } : {}),
    ...(a.type === 'move-remote' || a.type === 'move-local' ? { from: a.from } : {}),
  };
}

/** A refused name for --json: its kind, every path involved, and the message. */
export function nameJson(n: NameProblem): Record<string, unknown> {
  return { kind: n.kind, paths: namePaths(n), message: n.message };
}

export function planJson(outcome: SyncOutcome): Record<string, unknown> {
  const p = outcome.plan;
  return {
    remote: outcome.remote,
    actions: outcome.actions.map(actionJson),
    conflicts: outcome.conflicts.map((c) => ({ path: c.path, reason: c.reason })),
    pending: p.pending,
    refusals: p.refusals,
    names: outcome.names.map(nameJson),
    summary: p.summary,
    ...listingJson(outcome),
  };
}

/** How the remote was read, where the change feed was allowed to stand in for the listing (`--use-feed`). */
export function listingJson(outcome: SyncOutcome): { listing?: { kind: 'base' | 'full'; reason: string } } {
  return outcome.listing !== undefined ? { listing: { kind: outcome.listing.kind, reason: outcome.listing.reason } } : {};
}
