/** `lsync log <path>`: the versions of a file (also a deleted one), or what changed under a folder. */
import { EXIT } from '../../core/errors.js';
import { runLog } from '../../history/log.js';
import type { HistoryVersion } from '../../history/sources.js';
import { defineCommand } from '../command.js';
import { remoteOverrides } from '../options.js';
import { formatBytes } from '../render.js';

const WHERE: Readonly<Record<HistoryVersion['where'], string>> = {
  remote: 'remote (current)',
  'remote-version': 'remote version',
  kept: 'kept by lsync',
  trash: 'local trash',
};

function line(v: HistoryVersion, withPath: boolean): string {
  const when = new Date(v.whenMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const who = v.host !== undefined || v.user !== undefined ? `${v.user ?? '?'}@${v.host ?? '?'}` : '-';
  const what = v.deleted ? 'deleted' : `${formatBytes(v.size).padStart(9)}  ${(v.hash ?? '-').slice(0, 12).padEnd(12)}`;
  // A deletion has no content to live anywhere: it happened on the remote.
  const where = v.deleted ? 'remote' : WHERE[v.where];
  return `${when}  ${what.padEnd(23)}  ${who.padEnd(20)}  ${where.padEnd(16)}  ${withPath ? `${v.path}  ` : ''}${v.id}\n`;
}

export default defineCommand({
  command: 'log <path>',
  describe: 'the versions of a file (also a deleted one), or what changed under a folder, newest first',
  builder: (y) =>
    y
      .positional('path', { type: 'string', demandOption: true, describe: 'a file (deleted or not) or a folder, relative to the current folder' })
      .example('lsync log notes.txt', 'every version: when, size, content hash, who wrote it, where it is kept, its id')
      .example('lsync log --json notes.txt', 'one JSON object per version (the id is what restore --version takes)')
      .example('lsync log docs/', 'every version of every file under docs/, newest first'),
  run: async (args, { io, global }) => {
    const r = await runLog({
      cwd: io.cwd,
      path: args.path,
      overrides: remoteOverrides(global),
      concurrency: global.concurrency,
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
    });
    if (global.json) {
      for (const v of r.versions) io.stdout.write(`${JSON.stringify({ type: 'version', ...v, when: new Date(v.whenMs).toISOString() })}\n`);
      return EXIT.ok;
    }
    if (r.versions.length === 0) io.stdout.write(`nothing under ${r.path === '' ? 'the repository' : r.path} has any versions yet\n`);
    for (const v of r.versions) io.stdout.write(line(v, r.folder));
    return EXIT.ok;
  },
});
