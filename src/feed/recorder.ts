/**
 * Recording what a run changed on the remote into the feed, at one place after execution
 * (app/sync.ts): the executor's `done` events say exactly which remote writes finished, so an
 * interrupted or partly failed run records what it did and nothing else.
 */
import type { EngineEvent, EventSink } from '../exec/events.js';
import type { RemoteOverrides } from '../app/connect.js';
import type { RepoConfig } from '../state/config.js';
import type { FeedChange } from './format.js';
import { loadFeedState } from './local-state.js';
import { openFeedStore } from './store.js';
import { appendWithRetry } from './writer.js';

export class FeedRecorder {
  private readonly changes: FeedChange[] = [];

  constructor(private readonly downstream: EventSink) {}

  /** The sink to hand to the executor: notes remote changes, passes every event on. */
  readonly sink: EventSink = (e: EngineEvent): void => {
    if (e.type === 'done') {
      switch (e.action) {
        case 'upload':
          this.changes.push({ op: 'put', path: e.path });
          break;
        case 'delete-remote':
          this.changes.push({ op: 'delete', path: e.path });
          break;
        case 'move-remote':
          if (e.from !== undefined) this.changes.push({ op: 'move', path: e.path, from: e.from });
          break;
        case 'keep-both':
          if (e.to !== undefined) this.changes.push({ op: 'put', path: e.to });
          break;
        default:
          break;
      }
    }
    this.downstream(e);
  };

  get recorded(): readonly FeedChange[] {
    return this.changes;
  }

  /**
   * Append one record when the run changed the remote. Never fails the run: the feed is an
   * optimisation (watchers' rescans catch what it misses), so a failure is a warning.
   */
  async publish(metaDir: string, config: RepoConfig, overrides: RemoteOverrides, signal?: AbortSignal): Promise<number | undefined> {
    if (this.changes.length === 0) return undefined;
    try {
      const state = await loadFeedState(metaDir);
      const store = await openFeedStore(config, overrides);
      try {
        const seq = await appendWithRetry(store, { writer: state.writer, changes: this.changes, ...(signal !== undefined && !signal.aborted ? { signal } : {}) });
        return seq;
      } finally {
        await store.close();
      }
    } catch (e) {
      this.downstream({ type: 'warning', message: `change feed not updated (watchers see these changes at their next rescan): ${e instanceof Error ? e.message : String(e)}` });
      return undefined;
    }
  }
}
