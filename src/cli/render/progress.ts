/**
 * The live line on a terminal: `3/10 files, 4.0 MiB/20.0 MiB, 2.0 MiB/s, ETA 0:08`, redrawn at
 * most 10 times a second on stderr. Nothing when stderr is not a terminal (logs, pipes, CI) or with
 * --quiet/--json: there the summary says it all.
 */
import type { Out } from '../io.js';
import { formatBytes, formatDuration } from './format.js';

/** Seconds of measurement before an ETA is shown: the first instants (or a slow hash) say nothing of the pace. */
const ETA_AFTER_S = 3;
/** An ETA past this is noise (a stalled start), not a forecast: shown as no ETA. */
const ETA_MAX_S = 100 * 3600;

export function etaText(left: number, rate: number, measuredSeconds: number): string {
  if (left <= 0 || rate <= 0 || measuredSeconds < ETA_AFTER_S) return '';
  const seconds = left / rate;
  return seconds > ETA_MAX_S ? '' : `, ETA ${formatDuration(seconds)}`;
}

export class ProgressLine {
  bytesDone = 0;
  bytesTotal = 0;
  filesDone = 0;
  filesTotal = 0;
  private shown = false;
  private lastDraw = 0;
  /** Recent (time, bytes done) samples: the rate is measured over the last few seconds, not since the scan began. */
  private samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly stderr: Out,
    private readonly enabled: boolean,
    /** The clock (tests pass their own). */
    private readonly now: () => number = Date.now,
  ) {}

  start(bytesTotal: number, filesTotal: number): void {
    this.bytesTotal += bytesTotal;
    this.filesTotal = filesTotal;
    this.samples = [{ t: this.now(), bytes: this.bytesDone }];
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
    this.samples.push({ t: now, bytes: this.bytesDone });
    // Five seconds of history: steady enough to read, quick to follow a change of pace.
    while (this.samples.length > 2 && now - (this.samples[1]?.t ?? now) > 5000) this.samples.shift();
    const first = this.samples[0] ?? { t: now, bytes: 0 };
    const span = (now - first.t) / 1000;
    const rate = span > 0.2 ? (this.bytesDone - first.bytes) / span : 0;
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    const eta = etaText(left, rate, span);
    let line = `${this.filesDone}/${this.filesTotal} files, ${formatBytes(this.bytesDone)}/${formatBytes(this.bytesTotal)}, ${formatBytes(rate)}/s${eta}`;
    const width = this.stderr.columns;
    if (width !== undefined && width > 1 && line.length >= width) line = line.slice(0, width - 1);
    this.stderr.write(`\r\x1b[K${line}`);
    this.shown = true;
  }
}
