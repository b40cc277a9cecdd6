/** `lsync ls [path]`: the remote tree, marking what differs locally. */
import { EXIT } from '../../core/errors.js';
import { runLs, type LsEntry } from '../../app/ls.js';
import type { PathState } from '../../app/view.js';
import { defineCommand } from '../command.js';
import { remoteOverrides } from '../options.js';
import { formatBytes } from '../render.js';
import { paint, useColour, type Paint } from '../render/colour.js';

/** One character per state, like `git status --short`; the legend is printed under the listing. */
const MARK: Record<PathState, string> = {
  'local-changed': '>',
  'local-deleted': '-',
  'remote-changed': '<',
  'remote-deleted': 'x',
  conflict: '!',
};
const LEGEND: Record<string, string> = {
  '>': 'changed here (push sends it)',
  '<': 'changed on the remote (pull fetches it)',
  '-': 'deleted here',
  x: 'deleted on the remote',
  '!': 'conflict',
  '*': 'something inside differs',
};

function mark(e: LsEntry): string {
  if (e.kind === 'dir') return (e.changed ?? 0) > 0 ? '*' : ' ';
  return e.state !== undefined ? MARK[e.state] : ' ';
}

function when(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '                ';
}

function line(e: LsEntry, long: boolean, p: Paint): string {
  const m = mark(e);
  const shown = e.kind === 'dir' ? p.bold(`${e.name}/`) : e.name;
  const coloured = m === ' ' ? m : m === '!' ? p.red(m) : p.yellow(m);
  if (!long) return `${coloured} ${shown}`;
  const extra = e.kind === 'dir' ? ` (${e.files ?? 0} file${e.files === 1 ? '' : 's'}${(e.changed ?? 0) > 0 ? `, ${e.changed} differ here` : ''})` : e.onRemote ? '' : ' (only here)';
  return `${coloured} ${formatBytes(e.size).padStart(10)}  ${when(e.modifiedMs)}  ${shown}${extra}`;
}

export default defineCommand({
  command: 'ls [path]',
  describe: 'list the remote tree with sizes and dates, marking what differs locally',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'a folder or file (relative to the current directory); default: the repository root' })
      .option('long', { alias: 'l', type: 'boolean', default: false, describe: 'sizes and dates (UTC) too' })
      .option('recursive', { alias: 'R', type: 'boolean', default: false, describe: 'every file beneath, not just one level' })
      .example('lsync ls', 'the top level of the remote')
      .example('lsync ls docs -l', 'docs/ with sizes and dates')
      .example('lsync ls -R --json', 'every remote file as JSON, each with its local state'),
  run: async (args, { io, global }) => {
    const r = await runLs({
      cwd: io.cwd,
      paths: args.path !== undefined ? [args.path] : [],
      recursive: args.recursive,
      overrides: remoteOverrides(global),
      concurrency: global.concurrency,
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
      emit: (e) => {
        if (e.type === 'warning') io.stderr.write(`warning: ${e.message}\n`);
      },
    });
    if (global.json) {
      io.stdout.write(`${JSON.stringify({ type: 'ls', remote: r.remote, listed: r.listed, entries: r.entries })}\n`);
      return EXIT.ok;
    }
    const p = paint(useColour(io.env, io.stdout));
    const lines = r.entries.map((e) => line(e, args.long, p));
    if (r.entries.length === 0) lines.push(`(the remote ${r.remote} is empty)`);
    const used = [...new Set(r.entries.map(mark))].filter((m) => m !== ' ');
    if (used.length > 0 && !global.quiet) lines.push('', p.dim(used.map((m) => `${m} ${LEGEND[m] ?? ''}`).join('   ')));
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
});
