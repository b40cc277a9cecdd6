/**
 * Outcomes of actions: what a handler returns (the bytes it moved), how it says "not done, for a
 * good reason" (Skip, Ignored), and the tally of a run, which the summary reports: the counts of
 * what was done, by verb, never what was planned.
 */
import { RemoteError } from '../remote/remote.js';
import { actionBytes, actsOnDir, shownType, type ShownType } from '../core/action-view.js';
import type { Action } from '../core/types.js';
import type { EventSink } from './events.js';
import { LocalPathError } from './localfs.js';

/** Thrown inside an action to report "not done, for a good reason" rather than a failure. */
export class Skip extends Error {}

/** A Skip that is a policy, not a race: reported once as a warning (the message), not as "the next run picks it up". */
export class Ignored extends Skip {}

/** The bytes an action moved over the wire. */
export interface Moved {
  readonly sent: number;
  readonly received: number;
}

export const NOTHING_MOVED: Moved = { sent: 0, received: 0 };

export interface ExecResult {
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Deletions not attempted because an earlier action failed or the run was interrupted. */
  readonly postponed: number;
  readonly interrupted: boolean;
  /** Actions done, by the verb users see (`upload`, `delete-local`...): what the summary counts. */
  readonly doneByType: Readonly<Partial<Record<ShownType, number>>>;
}

/** The running totals of one executor run. */
export class Tally {
  done = 0;
  skipped = 0;
  failed = 0;
  bytesSent = 0;
  bytesReceived = 0;
  postponed = 0;
  private readonly doneByType: Partial<Record<ShownType, number>> = {};

  constructor(private readonly emit: EventSink) {}

  /**
   * Runs one action through `run`, emitting its events and counting its outcome. Answers false
   * when it failed (or was interrupted), which postpones this run's deletions.
   */
  async attempt(a: Action, run: () => Promise<Moved>, signal: AbortSignal | undefined): Promise<boolean> {
    const stopped = (): boolean => signal?.aborted === true;
    if (stopped()) return false;
    const action = shownType(a);
    const kind = actsOnDir(a) ? { kind: 'dir' as const } : {};
    this.emit({ type: 'start', action, path: a.path, ...kind, bytes: actionBytes(a) });
    try {
      const { sent, received } = await run();
      this.bytesSent += sent;
      this.bytesReceived += received;
      this.done++;
      this.doneByType[action] = (this.doneByType[action] ?? 0) + 1;
      const ends = a.type === 'keep-both' ? { to: a.conflictPath } : a.type === 'move-remote' || a.type === 'move-local' ? { from: a.from } : {};
      this.emit({ type: 'done', action, path: a.path, ...kind, bytes: sent + received, ...ends });
      return true;
    } catch (e) {
      if (stopped()) return false;
      if (e instanceof Ignored) {
        this.skipped++;
        this.emit({ type: 'warning', path: a.path, message: e.message });
        return true;
      }
      if (e instanceof Skip || (e instanceof RemoteError && e.kind === 'precondition')) {
        this.skipped++;
        const reason = e instanceof Skip ? e.message : 'changed on the remote since it was listed';
        this.emit({ type: 'skipped', action, path: a.path, ...kind, reason });
        return true;
      }
      this.failed++;
      this.emit({ type: 'failed', action, path: a.path, ...kind, message: describe(e, a.path) });
      return false;
    }
  }

  result(interrupted: boolean): ExecResult {
    const { done, skipped, failed, bytesSent, bytesReceived, postponed } = this;
    return { done, skipped, failed, bytesSent, bytesReceived, postponed, interrupted, doneByType: { ...this.doneByType } };
  }
}

/** One line naming the file, for any error an action can meet. */
export function describe(e: unknown, path: string): string {
  if (e instanceof RemoteError || e instanceof LocalPathError) return e.message.includes(path) ? e.message : `${path}: ${e.message}`;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) {
    const msg = (e as Error).message.replace(/^[A-Z]+: /, '');
    return `${path}: ${msg}`;
  }
  return `${path}: ${e instanceof Error ? e.message : String(e)}`;
}
