/**
 * Live rendering of a run's event stream: text for people (results on stdout; warnings, errors
 * and progress on stderr) or NDJSON for scripts (`--json`: one object per line on stdout).
 */
import type { SyncOutcome } from '../../app/sync.js';
import type { EngineEvent } from '../../exec/events.js';
import { actionBytes } from '../../exec/executor.js';
import type { Out } from '../io.js';
import { ProgressLine } from './progress.js';
import { summaryJson, summaryLines } from './summary.js';
import { DONE, asIs, bookkeeping, where, type PathShow } from './words.js';
import { shownType } from '../../core/action-view.js';

export interface RenderOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** How paths are printed in text (default: repository-relative). */
  readonly show?: PathShow;
}

export class Reporter {
  private readonly started = Date.now();
  private readonly progress: ProgressLine;
  private lastJsonProgress = 0;
  private readonly show: PathShow;

  constructor(
    private readonly stdout: Out,
    private readonly stderr: Out,
    private readonly o: RenderOptions,
  ) {
    this.show = o.show ?? asIs;
    this.progress = new ProgressLine(stderr, !o.quiet && !o.json, Date.now, this.show);
  }

  private line(out: Out, s: string): void {
    this.progress.clear();
    out.write(`${s}\n`);
  }

  warn(message: string): void {
    if (this.o.json) this.stdout.write(`${JSON.stringify({ type: 'warning', message })}\n`);
    else this.line(this.stderr, `warning: ${message}`);
  }

  readonly event = (e: EngineEvent): void => {
    if (this.o.json) {
      this.json(e);
      return;
    }
    const p = this.progress;
    const m = p.model;
    switch (e.type) {
      case 'plan':
        m.start(
          e.plan.actions.reduce((n, a) => n + actionBytes(a), 0),
          e.plan.actions.filter((a) => !bookkeeping(shownType(a))).length,
        );
        break;
      case 'warning':
        this.line(this.stderr, `warning: ${e.message}`);
        break;
      case 'start':
      case 'conflict':
        break;
      case 'progress':
        m.moved(e.bytes);
        p.draw();
        break;
      case 'hashing':
        m.hashed(e.path, e.bytes, e.size);
        p.draw();
        break;
      case 'done':
        m.hashEnded(e.path);
        if (!bookkeeping(e.action)) m.filesDone++;
        if (!this.o.quiet && !bookkeeping(e.action)) {
          this.line(this.stdout, `${DONE[e.action].padEnd(15)} ${where(e, this.show)}${e.to !== undefined ? ` (local copy kept as ${this.show(e.to)})` : ''}`);
        } else if (this.o.verbose) {
          this.line(this.stdout, `${DONE[e.action].padEnd(15)} ${where(e, this.show)}`);
        }
        p.draw();
        break;
      case 'skipped':
        m.hashEnded(e.path);
        if (!bookkeeping(e.action)) m.filesDone++;
        this.line(this.stderr, `skipped ${where(e, this.show)}: ${e.reason}; the next run picks it up`);
        break;
      case 'failed':
        m.hashEnded(e.path);
        if (!bookkeeping(e.action)) m.filesDone++;
        this.line(this.stderr, `error: ${e.message}`);
        break;
    }
  };

  private json(e: EngineEvent): void {
    switch (e.type) {
      case 'plan':
        this.stdout.write(`${JSON.stringify({ type: 'plan', summary: e.plan.summary, refusals: e.plan.refusals })}\n`);
        return;
      case 'progress': {
        // Throttled: a large transfer reports many chunks.
        const m = this.progress.model;
        m.moved(e.bytes);
        const now = Date.now();
        if (now - this.lastJsonProgress < 500) return;
        this.lastJsonProgress = now;
        this.stdout.write(`${JSON.stringify({ type: 'progress', path: e.path, bytesDone: m.bytesDone })}\n`);
        return;
      }
      case 'hashing':
        // Reading before an upload moves nothing: the NDJSON progress lines count bytes moved.
        return;
      case 'conflict':
        this.stdout.write(`${JSON.stringify({ type: 'conflict', path: e.conflict.path, reason: e.conflict.reason })}\n`);
        return;
      default:
        this.stdout.write(`${JSON.stringify(e)}\n`);
    }
  }

  /** The end-of-run summary. */
  summary(outcome: SyncOutcome): void {
    this.progress.clear();
    const secs = (Date.now() - this.started) / 1000;
    if (this.o.json) {
      this.stdout.write(`${JSON.stringify(summaryJson(outcome, secs))}\n`);
      return;
    }
    const lines = summaryLines(outcome, secs, this.o.quiet, this.show);
    if (lines.length > 0) this.stdout.write(`${lines.join('\n')}\n`);
  }
}
