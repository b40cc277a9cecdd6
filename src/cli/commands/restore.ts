/** `lsync restore <path> [--version ID | --at TIME] [--to FILE] [--force]`: an earlier version back as a local change. */
import { EXIT, LsyncError } from '../../core/errors.js';
import { runRestore } from '../../history/restore.js';
import { defineCommand } from '../command.js';
import { remoteOverrides } from '../options.js';
import { formatBytes } from '../render.js';

/** An ISO date or date-time (`2026-12-06`, `2026-12-06T15:00`, with a zone or UTC), or ms since the epoch. */
export function parseTime(s: string): number {
  const ms = /^\d{12,}$/.test(s) ? Number(s) : Date.parse(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : s);
  if (!Number.isFinite(ms)) throw new LsyncError('usage', `--at ${s}: not a time`, 'use an ISO time such as 2026-12-06T15:00 (UTC) or 2026-12-06T15:00+01:00');
  return ms;
}

export default defineCommand({
  command: 'restore <path>',
  describe: 'bring back an earlier version of a file (also a deleted one) or of a folder, as a local change',
  builder: (y) =>
    y
      // `--version ID` is the spec's: lsync's own --version is a top-level flag, not this command's.
      .version(false)
      .positional('path', { type: 'string', demandOption: true, describe: 'a file (deleted or not) or a folder (with --at)' })
      .option('version', { type: 'string', describe: 'the version id that lsync log shows' })
      .option('at', { type: 'string', describe: 'the version current at this time (ISO, UTC unless a zone is given)' })
      .option('to', { type: 'string', describe: 'write it to this file instead of the path itself' })
      .option('force', { type: 'boolean', default: false, describe: 'replace a local change that was never synced' })
      .example('lsync restore notes.txt --version kept:20261206T150000000Z-9a0364b9e99bb480dd25e1f0284c8555', 'that version back in notes.txt; the next sync carries it')
      .example('lsync restore docs/ --at 2026-12-06T15:00', 'every file under docs/ as it was then')
      .example('lsync restore notes.txt --at 2026-12-01 --to notes-old.txt', 'an old version beside the current one'),
  run: async (args, { io, global }) => {
    const r = await runRestore({
      cwd: io.cwd,
      path: args.path,
      ...(args.version !== undefined ? { version: args.version } : {}),
      ...(args.at !== undefined ? { atMs: parseTime(args.at) } : {}),
      ...(args.to !== undefined ? { to: args.to } : {}),
      force: args.force,
      overrides: remoteOverrides(global),
      concurrency: global.concurrency,
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
    });
    if (global.json) {
      for (const x of r.restored) io.stdout.write(`${JSON.stringify({ type: 'restored', ...x, when: new Date(x.whenMs).toISOString() })}\n`);
      for (const p of r.absent) io.stdout.write(`${JSON.stringify({ type: 'absent', path: p })}\n`);
    } else if (!global.quiet) {
      for (const x of r.restored) io.stdout.write(`restored ${x.to}${x.to !== x.path ? ` (from ${x.path})` : ''}: ${formatBytes(x.size)}, version ${x.id}\n`);
      if (r.absent.length > 0) io.stdout.write(`${r.absent.length} file(s) did not exist then and were left as they are\n`);
      if (r.restored.length === 0) io.stdout.write('nothing to restore: the files already hold those versions\n');
      else io.stdout.write('run lsync sync to carry the restored files to the remote\n');
    }
    return EXIT.ok;
  },
});
