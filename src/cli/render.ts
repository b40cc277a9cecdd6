/**
 * Two renderers of one event stream: text for people (results on stdout, warnings, errors and
 * progress on stderr), NDJSON for scripts (`--json`: one object per line on stdout).
 */
import type { Action, Conflict, Plan } from '../core/types.js';
import type { EngineEvent, ExecActionType } from '../exec/events.js';
import { actionBytes, isDirAction, type ExecAction } from '../exec/executor.js';
import type { SyncOutcome } from '../app/sync.js';
import type { NameProblem } from '../core/names.js';

export interface Out {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width, when a terminal: the progress line is cut to it, since a wrapped line cannot be redrawn in place. */
  readonly columns?: number;
}

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

export interface RenderOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

const VERB: Record<ExecActionType, string> = {
  upload: 'upload',
  download: 'download',
  'delete-remote': 'delete remote',
  'delete-local': 'delete local',
  record: 'record',
  forget: 'forget',
  'move-remote': 'move remote',
  'move-local': 'move local',
  'keep-both': 'keep both',
};

const DONE: Record<ExecActionType, string> = {
  upload: 'uploaded',
  download: 'downloaded',
  'delete-remote': 'deleted remote',
  'delete-local': 'deleted local',
  record: 'recorded',
  forget: 'forgot',
  'move-remote': 'moved remote',
  'move-local': 'moved local',
  'keep-both': 'kept both',
};

const REASON: Record<Conflict['reason'], string> = {
  'both-modified': 'both modified',
  'both-added': 'both added',
  'unknown-content': 'both changed',
};

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The JSON shape of an action: what and where, never whole entries. */
export function actionJson(a: ExecAction): Record<string, unknown> {
  return {
    type: a.type,
    path: a.path,
    ...(isDirAction(a) ? { kind: 'dir' } : {}),
    bytes: actionBytes(a),
    ...(a.type === 'keep-both' ? { to: a.conflictPath } : {}),
    ...(a.type === 'move-remote' || a.type === 'move-local' ? { from: a.from } : {}),
  };
}

/** The path column of a line: a move names both ends, old → new; a folder ends in `/`. */
function where(a: { readonly path: string; readonly from?: string; readonly kind?: 'dir' }): string {
  return a.from !== undefined ? `${a.from} → ${a.path}` : a.kind === 'dir' ? `${a.path}/` : a.path;
}

/** An action as `where` shows it. */
function shown(a: ExecAction): { readonly path: string; readonly from?: string; readonly kind?: 'dir' } {
  if (a.type === 'move-remote' || a.type === 'move-local') return a;
  return isDirAction(a) ? { path: a.path, kind: 'dir' } : a;
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
  };
}

/** A refused name for --json: its kind, every path involved, and the message. */
export function nameJson(n: NameProblem): Record<string, unknown> {
  return { kind: n.kind, paths: namePaths(n), message: n.message };
}

function namePaths(n: NameProblem): string[] {
  return n.kind === 'too-long' ? [n.path] : n.kind === 'file-folder' ? [n.file.path, `${n.folder.path}/`] : n.spellings.map((s) => (n.folder ? `${s.path}/` : s.path));
}

const isPush = (a: ExecAction | Action): boolean => a.type === 'upload' || a.type === 'delete-remote' || a.type === 'move-remote';
const isPull = (a: ExecAction | Action): boolean => a.type === 'download' || a.type === 'delete-local' || a.type === 'move-local';

/** `lsync status` (and --dry-run) as text. */
export function renderPlanText(outcome: SyncOutcome, out: Out, verbose: boolean): void {
  const lines: string[] = [`Remote: ${outcome.remote}`];
  const section = (title: string, items: readonly ExecAction[]): void => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`);
    for (const a of items) lines.push(`  ${VERB[a.type].padEnd(14)} ${where(shown(a))}${a.type === 'keep-both' ? ` (local copy → ${a.conflictPath})` : ''}`);
  };
  section('To push', outcome.actions.filter(isPush));
  section('To pull', outcome.actions.filter(isPull));
  section('Conflicts settled by policy', outcome.actions.filter((a) => a.type === 'keep-both'));
  if (verbose) section('Bookkeeping', outcome.actions.filter((a) => a.type === 'record' || a.type === 'forget'));
  const pending = outcome.plan.pending;
  if (pending.length > 0) {
    lines.push(`Not acted on by this command (${pending.length}):`);
    for (const p of pending) lines.push(`  ${`${p.side} ${p.change}`.padEnd(14)} ${p.path}`);
  }
  if (outcome.conflicts.length > 0) {
    lines.push(`Conflicts (${outcome.conflicts.length}):`);
    for (const c of outcome.conflicts) lines.push(`  ${REASON[c.reason].padEnd(14)} ${c.path}`);
    lines.push('  settle with: lsync resolve <path>... --keep local|remote|both');
  }
  for (const r of outcome.plan.refusals) lines.push(`Refused: ${r.message}`);
  if (outcome.names.length > 0) {
    lines.push(`Names that cannot be used here, left out (${outcome.names.length}; see the warnings):`);
    for (const n of outcome.names) lines.push(`  ${namePaths(n).join(', ')}`);
  }
  const moving = outcome.actions.some((a) => a.type !== 'record' && a.type !== 'forget');
  if (!moving && outcome.conflicts.length === 0 && pending.length === 0 && outcome.names.length === 0) lines.push('Everything up to date.');
  out.write(`${lines.join('\n')}\n`);
}

const bookkeeping = (t: ExecActionType): boolean => t === 'record' || t === 'forget';

/** `0:08`, `12:34`, `1:02:03`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Live rendering of a run. */
export class Reporter {
  private lastProgress = 0;
  private bytesDone = 0;
  private bytesTotal = 0;
  private filesDone = 0;
  private filesTotal = 0;
  private progressShown = false;
  private readonly started = Date.now();
  /** Recent (time, bytes done) samples: the rate is measured over the last few seconds, not since the scan began. */
  private samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly stdout: Out,
    private readonly stderr: Out,
    private readonly o: RenderOptions,
  ) {}

  private clearProgress(): void {
    if (this.progressShown) {
      this.stderr.write('\r\x1b[K');
      this.progressShown = false;
    }
  }

  private line(out: Out, s: string): void {
    this.clearProgress();
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
    switch (e.type) {
      case 'plan':
        for (const a of e.plan.actions) this.bytesTotal += actionBytes(a);
        this.filesTotal = e.plan.actions.filter((a) => !bookkeeping(a.type)).length;
        this.samples = [{ t: Date.now(), bytes: 0 }];
        break;
      case 'warning':
        this.line(this.stderr, `warning: ${e.message}`);
        break;
      case 'start':
        break;
      case 'progress':
        this.bytesDone += e.bytes;
        this.showProgress();
        break;
      case 'done':
        if (!bookkeeping(e.action)) this.filesDone++;
        if (!this.o.quiet && e.action !== 'record' && e.action !== 'forget') {
          this.line(this.stdout, `${DONE[e.action].padEnd(15)} ${where(e)}${e.to !== undefined ? ` (local copy kept as ${e.to})` : ''}`);
        } else if (this.o.verbose) {
          this.line(this.stdout, `${DONE[e.action].padEnd(15)} ${where(e)}`);
        }
        this.showProgress();
        break;
      case 'skipped':
        if (!bookkeeping(e.action)) this.filesDone++;
        this.line(this.stderr, `skipped ${where(e)}: ${e.reason}; the next run picks it up`);
        break;
      case 'failed':
        if (!bookkeeping(e.action)) this.filesDone++;
        this.line(this.stderr, `error: ${e.message}`);
        break;
      case 'conflict':
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
        this.bytesDone += e.bytes;
        const now = Date.now();
        if (now - this.lastProgress < 500) return;
        this.lastProgress = now;
        this.stdout.write(`${JSON.stringify({ type: 'progress', path: e.path, bytesDone: this.bytesDone })}\n`);
        return;
      }
      case 'conflict':
        this.stdout.write(`${JSON.stringify({ type: 'conflict', path: e.conflict.path, reason: e.conflict.reason })}\n`);
        return;
      default:
        this.stdout.write(`${JSON.stringify(e)}\n`);
    }
  }

  /**
   * The live line on a terminal: `3/10 files, 4.0 MiB/20.0 MiB, 2.0 MiB/s, ETA 0:08`, redrawn at
   * most 10 times a second. Nothing when stderr is not a terminal (logs, pipes, CI) or with
   * --quiet/--json: there the summary says it all.
   */
  private showProgress(): void {
    if (this.stderr.isTTY !== true || this.o.quiet || this.o.json) return;
    const now = Date.now();
    if (now - this.lastProgress < 100) return;
    this.lastProgress = now;
    this.samples.push({ t: now, bytes: this.bytesDone });
    // Five seconds of history: steady enough to read, quick to follow a change of pace.
    while (this.samples.length > 2 && now - (this.samples[1]?.t ?? now) > 5000) this.samples.shift();
    const first = this.samples[0] ?? { t: this.started, bytes: 0 };
    const span = (now - first.t) / 1000;
    const rate = span > 0.2 ? (this.bytesDone - first.bytes) / span : 0;
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    const eta = rate > 0 && left > 0 ? `, ETA ${formatDuration(left / rate)}` : '';
    let line = `${this.filesDone}/${this.filesTotal} files, ${formatBytes(this.bytesDone)}/${formatBytes(this.bytesTotal)}, ${formatBytes(rate)}/s${eta}`;
    const width = this.stderr.columns;
    if (width !== undefined && width > 1 && line.length >= width) line = line.slice(0, width - 1);
    this.stderr.write(`\r\x1b[K${line}`);
    this.progressShown = true;
  }

  /** The end-of-run summary. */
  summary(outcome: SyncOutcome): void {
    this.clearProgress();
    const r = outcome.result;
    const secs = (Date.now() - this.started) / 1000;
    const counts: Record<string, number> = {};
    for (const a of outcome.actions) counts[a.type] = (counts[a.type] ?? 0) + 1;
    if (this.o.json) {
      this.stdout.write(
        `${JSON.stringify({
          type: 'summary',
          remote: outcome.remote,
          planned: counts,
          done: r?.done ?? 0,
          skipped: r?.skipped ?? 0,
          failed: r?.failed ?? 0,
          postponed: r?.postponed ?? 0,
          conflicts: outcome.conflicts.map((c) => ({ path: c.path, reason: c.reason })),
          names: outcome.names.map(nameJson),
          bytesSent: r?.bytesSent ?? 0,
          bytesReceived: r?.bytesReceived ?? 0,
          seconds: Number(secs.toFixed(3)),
        })}\n`,
      );
      return;
    }
    if (r === undefined) return;
    const parts: string[] = [];
    for (const [type, n] of Object.entries(counts)) if (type !== 'record' && type !== 'forget') parts.push(`${DONE[type as ExecActionType]} ${n}`);
    const lines: string[] = [];
    if (parts.length === 0 && outcome.conflicts.length === 0 && outcome.names.length === 0) {
      if (!this.o.quiet) lines.push('Everything up to date.');
    } else if (!this.o.quiet) {
      lines.push(
        `${parts.length > 0 ? parts.join(', ') : 'nothing to transfer'}; sent ${formatBytes(r.bytesSent)}, received ${formatBytes(r.bytesReceived)} in ${secs.toFixed(1)} s`,
      );
    }
    if (r.failed > 0) lines.push(`${r.failed} failed (see the errors above)`);
    if (outcome.conflicts.length > 0) {
      lines.push(`${outcome.conflicts.length} conflict(s) left untouched:`);
      for (const c of outcome.conflicts) lines.push(`  ${REASON[c.reason].padEnd(14)} ${c.path}`);
      lines.push('settle with: lsync resolve <path>... --keep local|remote|both');
    }
    if (outcome.names.length > 0) lines.push(`${outcome.names.length} name problem(s): those paths were left out (see the warnings above); rename them and sync again`);
    if (lines.length > 0) this.stdout.write(`${lines.join('\n')}\n`);
  }
}

export function planHasWork(plan: Plan): boolean {
  return plan.actions.length > 0 || plan.conflicts.length > 0;
}
