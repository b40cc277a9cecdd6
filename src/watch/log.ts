/**
 * What a watcher says: one stderr line per batch that moved something (what moved, how long),
 * warnings and state changes on stderr, and with --json the same as NDJSON events on stdout. Lines
 * carry no colours or progress bars: they are meant for a terminal and for journald alike.
 */
import type { Moved } from './batch.js';

export interface Out {
  write(s: string): unknown;
}

export type Trigger = 'start' | 'local' | 'remote' | 'rescan' | 'retry';

export class WatchLog {
  constructor(
    private readonly stdout: Out,
    private readonly stderr: Out,
    private readonly json: boolean,
    private readonly quiet: boolean,
  ) {}

  private event(o: Record<string, unknown>): void {
    if (this.json) this.stdout.write(`${JSON.stringify({ ...o, time: new Date().toISOString() })}\n`);
  }

  info(type: string, message: string, data: Record<string, unknown> = {}): void {
    this.event({ type, message, ...data });
    if (!this.quiet) this.stderr.write(`lsync watch: ${message}\n`);
  }

  warn(message: string, data: Record<string, unknown> = {}): void {
    this.event({ type: 'warning', message, ...data });
    this.stderr.write(`lsync watch: warning: ${message}\n`);
  }

  batch(trigger: Trigger, paths: number | 'all', moved: Moved, conflicts: number, ms: number): void {
    const parts = describe(moved);
    this.event({ type: 'batch', trigger, paths, ...moved, conflicts, ms });
    if (parts.length === 0 && conflicts === 0) return;
    if (conflicts > 0) parts.push(`${conflicts} conflict(s) left (see lsync status)`);
    if (!this.quiet || conflicts > 0) this.stderr.write(`lsync watch: ${parts.join(', ')} in ${(ms / 1000).toFixed(1)} s (${trigger}${paths === 'all' ? ', full' : ''})\n`);
  }
}

export function describe(m: Moved): string[] {
  const parts: string[] = [];
  if (m.up > 0) parts.push(`${m.up} up`);
  if (m.down > 0) parts.push(`${m.down} down`);
  if (m.moved > 0) parts.push(`${m.moved} moved`);
  if (m.deletedRemote > 0) parts.push(`${m.deletedRemote} deleted remotely`);
  if (m.deletedLocal > 0) parts.push(`${m.deletedLocal} deleted locally`);
  if (m.keptBoth > 0) parts.push(`${m.keptBoth} conflict(s) kept both`);
  return parts;
}
