/**
 * The one line under `status` (and a dry run) that says what to type next, as `git status` does:
 * the command that carries out what was shown, or what must come first (settling conflicts,
 * allowing a refused mass deletion). Paths in it are as the user would type them from here.
 */
import type { SyncOutcome, Verb } from '../../app/sync.js';
import { isBookkeeping, shownType } from '../../core/action-view.js';
import { asIs, type PathShow } from './words.js';

export interface NextContext {
  readonly verb: Verb;
  readonly dryRun: boolean;
  /** The pathspecs as typed (relative to the current folder): the next command takes them too. */
  readonly paths: readonly string[];
  /** `status --remote <name>`: a mirror, only ever pushed to. */
  readonly remoteName?: string | undefined;
  readonly show?: PathShow;
}

/** Conflicts named one by one in the hint up to this many; past it, `<path>...`. */
const NAMED_CONFLICTS = 3;

/** A word as a POSIX shell reads it back: quoted when it holds anything but plain characters. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/** The command that does what the plan shows: `lsync sync docs/`, `lsync push --to backup`. */
function doIt(c: NextContext): string {
  const paths = c.paths.map((p) => ` ${shellWord(p)}`).join('');
  if (c.remoteName !== undefined) return `lsync push --to ${shellWord(c.remoteName)}${paths}`;
  return `lsync ${c.verb === 'status' ? 'sync' : c.verb}${paths}`;
}

/** The hint, without its `next:` label; undefined when there is nothing to do. */
export function nextStep(outcome: SyncOutcome, c: NextContext): string | undefined {
  const show = c.show ?? asIs;
  const moving = outcome.actions.some((a) => !isBookkeeping(shownType(a)));
  const refusal = outcome.plan.refusals[0];
  if (refusal !== undefined) {
    // The refusal's own line says what to check; this one says how to go ahead once checked.
    return c.dryRun ? `if those deletions are meant, add --max-delete ${refusal.deletes} to the command` : `if those deletions are meant, run ${doIt(c)} --max-delete ${refusal.deletes}`;
  }
  const conflicts = outcome.conflicts;
  if (conflicts.length > 0) {
    const which = conflicts.length <= NAMED_CONFLICTS ? conflicts.map((x) => shellWord(show(x.path))).join(' ') : '<path>...';
    const settle = `settle ${conflicts.length === 1 ? 'the conflict' : 'the conflicts'} with lsync resolve ${which} --keep local|remote|both`;
    return moving && !c.dryRun ? `${settle}, then run ${doIt(c)}` : settle;
  }
  if (moving) return c.dryRun ? 'run the same command without --dry-run to do it' : `run ${doIt(c)}`;
  const pending = outcome.plan.pending;
  if (pending.length > 0 && c.remoteName === undefined) {
    // A push leaves remote changes alone and a pull local ones: the other verb takes them.
    const side = pending.some((p) => p.side === 'remote') ? 'pull' : 'push';
    return `run lsync ${side}${c.paths.map((p) => ` ${shellWord(p)}`).join('')} to take the changes this command leaves alone`;
  }
  if (outcome.names.length > 0) return 'rename the left-out names (see the warnings): nothing else is waiting';
  return undefined;
}

/** For `status --json`: the same hint (`next`), absent when there is nothing to do. */
export function nextJson(outcome: SyncOutcome, c: NextContext): { next?: string } {
  const next = nextStep(outcome, c);
  return next !== undefined ? { next } : {};
}
