/**
 * What the engine tells the outside world while it works. The text and `--json` renderers consume
 * the same stream (src/cli/render.ts); nothing in the engine prints.
 */
import type { ShownType } from '../core/action-view.js';
import type { Conflict, Plan } from '../core/types.js';

/** The verb of an action as users see it (core/action-view.ts): folder actions as `kind: 'dir'`. */
export type ExecActionType = ShownType;

export type EngineEvent =
  | { readonly type: 'plan'; readonly plan: Plan }
  | { readonly type: 'warning'; readonly path?: string; readonly message: string }
  | { readonly type: 'start'; readonly action: ExecActionType; readonly path: string; readonly kind?: 'dir'; readonly bytes: number }
  | { readonly type: 'progress'; readonly path: string; readonly bytes: number }
  /** `bytes` more of `path` (`size` bytes in all) were read to be hashed, before anything of it moves. */
  | { readonly type: 'hashing'; readonly path: string; readonly bytes: number; readonly size: number }
  /**
   * `to`: keep-both's new name for the local copy; `from`: a move's old path (`path` is the new one).
   * `kind: 'dir'`: the action is on a folder (an empty one, or its `path/` marker on the remote).
   */
  | { readonly type: 'done'; readonly action: ExecActionType; readonly path: string; readonly kind?: 'dir'; readonly bytes: number; readonly to?: string; readonly from?: string }
  | { readonly type: 'skipped'; readonly action: ExecActionType; readonly path: string; readonly kind?: 'dir'; readonly reason: string }
  | { readonly type: 'failed'; readonly action: ExecActionType; readonly path: string; readonly kind?: 'dir'; readonly message: string }
  | { readonly type: 'conflict'; readonly conflict: Conflict };

export type EventSink = (event: EngineEvent) => void;
