/**
 * The live line on a terminal: `3/10 files, 4.0 MiB/20 MiB, 2.0 MiB/s, ETA 0:08`, redrawn at most
 * 10 times a second on stderr. While a big file is read to be hashed (nothing moves yet), the line
 * says so (`hashing video.mkv 45%`) instead of showing a rate of nothing. Nothing when stderr is not
 * a terminal (logs, pipes, CI) or with --quiet/--json: there the summary says it all.
 *
 * ProgressModel is the arithmetic and the wording, fed byte events and a clock (tests drive it
 * directly); ProgressLine puts it on the terminal.
 */
import type { Out } from '../io.js';
import { formatBytes, formatDuration } from './format.js';
import { asIs, type PathShow } from './words.js';

/** Seconds of measurement before an ETA is shown: the first instants (or a slow hash) say nothing of the pace. */
const ETA_AFTER_S = 3;
/** An ETA past this is noise (a stalled start), not a forecast: shown as no ETA. */
const ETA_MAX_S = 100 * 3600;
/** Rate history: steady enough to read, quick to follow a change of pace. */
const WINDOW_MS = 5000;

export function etaText(left: number, rate: number, measuredSeconds: number): string {
  if (left <= 0 || rate <= 0 || measuredSeconds < ETA_AFTER_S) return '';
  const seconds = left / rate;
  return seconds > ETA_MAX_S ? '' : `, ETA ${formatDuration(seconds)}`;
}

export class ProgressModel {
  bytesDone = 0;
  bytesTotal = 0;
  filesDone = 0;
  filesTotal = 0;
  private planned = false;
  /** Recent (time, bytes done) samples: the rate is measured over the last few seconds, not since the scan began. */
  private samples: { t: number; bytes: number }[] = [];
  /** Files being hashed (before their upload, or by the scan): bytes read so far of their size. */
  private readonly hashing = new Map<string, { done: number; size: number }>();

  constructor(
    /** The clock (tests pass their own). */
    private readonly now: () => number = Date.now,
    private readonly show: PathShow = asIs,
  ) {}

  /** The plan is known: what the run will move. */
  start(bytesTotal: number, filesTotal: number): void {
    this.planned = true;
    this.bytesTotal += bytesTotal;
    this.filesTotal = filesTotal;
    this.samples = [{ t: this.now(), bytes: this.bytesDone }];
  }

  /** `bytes` more were sent or received, as they streamed (not only when a part or a file finished). */
  moved(bytes: number): void {
    this.bytesDone += bytes;
  }

  /** `bytes` more of `path` (of `size` bytes) were read to be hashed; it leaves the line once all are. */
  hashed(path: string, bytes: number, size: number): void {
    const h = this.hashing.get(path) ?? { done: 0, size };
    h.done += bytes;
    if (h.done >= size) this.hashing.delete(path);
    else this.hashing.set(path, h);
  }

  /** `path` is no longer being hashed (done, failed or skipped), whatever its count said. */
  hashEnded(path: string): void {
    this.hashing.delete(path);
  }

  /** The line as of now (empty: nothing worth showing yet). Each call is also a rate sample. */
  render(): string {
    const parts: string[] = [];
    if (this.planned) {
      parts.push(`${this.filesDone}/${this.filesTotal} files`, `${formatBytes(this.bytesDone)}/${formatBytes(this.bytesTotal)}`);
      const { rate, span } = this.sample();
      // A rate of nothing while a file is hashed is no news: the hashing part says what happens.
      if (rate > 0 || this.hashing.size === 0) parts.push(`${formatBytes(rate)}/s${etaText(Math.max(0, this.bytesTotal - this.bytesDone), rate, span)}`);
    }
    const hashing = this.hashingText();
    if (hashing !== '') parts.push(hashing);
    return parts.join(', ');
  }

  private sample(): { rate: number; span: number } {
    const now = this.now();
    this.samples.push({ t: now, bytes: this.bytesDone });
    while (this.samples.length > 2 && now - (this.samples[1]?.t ?? now) > WINDOW_MS) this.samples.shift();
    const first = this.samples[0] ?? { t: now, bytes: 0 };
    const span = (now - first.t) / 1000;
    return { rate: span > 0.2 ? (this.bytesDone - first.bytes) / span : 0, span };
  }

  /** `hashing big.iso 45%`, or `hashing 3 files 12%` when several are read at once. */
  private hashingText(): string {
    if (this.hashing.size === 0) return '';
    let done = 0;
    let size = 0;
    for (const h of this.hashing.values()) {
      done += h.done;
      size += h.size;
    }
    const pct = `${Math.floor((100 * done) / Math.max(1, size))}%`;
    const [only] = this.hashing.keys();
    return this.hashing.size === 1 && only !== undefined ? `hashing ${this.show(only)} ${pct}` : `hashing ${this.hashing.size} files ${pct}`;
  }
}

export class ProgressLine {
  readonly model: ProgressModel;
  private shown = false;
  private lastDraw = 0;

  constructor(
    private readonly stderr: Out,
    private readonly enabled: boolean,
    /** The clock (tests pass their own). */
    private readonly now: () => number = Date.now,
    show: PathShow = asIs,
  ) {
    this.model = new ProgressModel(now, show);
  }

  /** Erases the line, so that a message can be printed in its place. */
  clear(): void {
    if (this.shown) {
      this.stderr.write('\r\x1b[K');
      this.shown = false;
    }
  }

  draw(): void {
    if (!this.enabled || this.stderr.isTTY !== true) return;
    const now = this.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    let line = this.model.render();
    if (line === '') return;
    const width = this.stderr.columns;
    if (width !== undefined && width > 1 && line.length >= width) line = line.slice(0, width - 1);
    this.stderr.write(`\r\x1b[K${line}`);
    this.shown = true;
  }
}
