/**
 * The executor: carries out a plan, and only a plan.
 *
 * - The scheduler (schedule.ts) orders the actions into phases; one handler per action type
 *   (handlers/) carries each out.
 * - Each action re-checks its precondition just before its effect (the local file is still what
 *   the scan saw; the remote object is still what the listing saw, by conditional request), so a
 *   change that lands mid-run is skipped for the next run to see, never overwritten.
 * - Each finished action is recorded in the database as it finishes, never before (group-committed
 *   journal: a record lost to a crash costs only a "both sides equal" that the next run adopts).
 * - Deletions run only when no transfer failed ("no deletes after an error in the same run").
 */
import pLimit from 'p-limit';
import type { Action } from '../core/types.js';
import { openRun, type ExecContext, type RunContext } from './context.js';
import { handle } from './handlers/index.js';
import { removeEmptyParents } from './localfs.js';
import { describe, Tally, type ExecResult } from './outcome.js';
import { leftoverLine } from './partials.js';
import { boundHeapGrowth } from './memory.js';
import { refreshStat } from './records.js';
import { schedule } from './schedule.js';

export type { ExecContext } from './context.js';
export type { ExecResult } from './outcome.js';
export { describe } from './outcome.js';
export { actionBytes, actsOnDir as isDirAction } from '../core/action-view.js';
export { SMALL_FILE } from './handlers/upload.js';

/** What the executor runs: any action of a plan (settled conflicts included). */
export type ExecAction = Action;

/** How often the journal is group-committed while work is in flight. */
const FLUSH_MS = 200;

export async function execute(actions: readonly Action[], ctx: ExecContext): Promise<ExecResult> {
  const release = actions.length > 0 ? boundHeapGrowth() : undefined;
  const { run, close } = await openRun(ctx).catch((e: unknown) => {
    release?.();
    throw e;
  });
  const tally = new Tally(ctx.emit);
  const flusher = setInterval(() => {
    ctx.db.flush().catch(() => undefined);
  }, FLUSH_MS);
  try {
    // Before any action: one that rewrites a path records it anew after this.
    for (const r of ctx.restat ?? []) refreshStat(run, r);
    await discardStaleUploads(run, ctx);
    const limit = pLimit(Math.max(1, ctx.concurrency));
    let postponed = 0;
    for (const phase of schedule(actions)) {
      const stopped = ctx.signal?.aborted === true;
      if (phase.destructive && (tally.failed > 0 || stopped)) {
        postponed += phase.actions.length;
        continue;
      }
      if (stopped) continue;
      await Promise.all(phase.actions.map((a) => limit(() => tally.attempt(a, () => handle(a, run), ctx.signal))));
      // Only now: while moves and downloads run, a folder emptied by one move may be the one
      // another is about to write into.
      if (phase.name === 'transfer') for (const path of run.movedAway.splice(0)) await removeEmptyParents(run.root, path);
    }
    tally.postponed = postponed;
    if (postponed > 0 && ctx.signal?.aborted !== true) {
      ctx.emit({ type: 'warning', message: `${postponed} deletion(s) postponed because of the errors above; run again once they are fixed` });
    }
    // Downloads that failed part way (a full disk) keep their bytes for the next run: say so.
    const leftovers = await leftoverLine(run.tmpDir);
    if (leftovers !== undefined) ctx.emit({ type: 'warning', message: leftovers });
  } finally {
    clearInterval(flusher);
    close();
    release?.();
    await ctx.db.flush();
  }
  return tally.result(ctx.signal?.aborted ?? false);
}

/**
 * Checkpoints of interrupted uploads whose file changed since will never be continued: abort
 * their multipart uploads (they cost storage) and forget them, once per run.
 */
async function discardStaleUploads(run: RunContext, ctx: ExecContext): Promise<void> {
  if (ctx.discardUpload === undefined) return;
  for (const s of await run.checkpoints.stale()) {
    try {
      await ctx.discardUpload({ state: s.state });
      await run.checkpoints.discard(s.path);
    } catch (e) {
      ctx.emit({ type: 'warning', path: s.path, message: `${s.path}: could not abort an unfinished upload (${describe(e, s.path)}); it is tried again next run` });
    }
  }
}
