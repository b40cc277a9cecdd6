/** `lsync diff [paths..]`: what differs between the remote and the local files, line by line. */
import { EXIT } from '../../core/errors.js';
import { runDiff } from '../../app/diff.js';
import { diffJson, patchLines, statLines } from '../../diff/render.js';
import { pathsArg } from '../args.js';
import { defineCommand } from '../command.js';
import { remoteOverrides } from '../options.js';
import { paint, useColour } from '../render/colour.js';

export default defineCommand({
  command: 'diff [paths..]',
  describe: 'show what differs between the remote and the local files (a unified diff; sizes and hashes for binary files)',
  builder: (y) =>
    pathsArg(y)
      .option('base', { type: 'boolean', default: false, describe: 'compare with the version last synced (what you changed here) instead of the remote object' })
      .option('stat', { type: 'boolean', default: false, describe: 'one line per file with the lines added and removed' })
      .example('lsync diff', 'every file that differs, remote (a/) against local (b/)')
      .example('lsync diff notes.txt --base', 'what you changed in notes.txt since the last sync')
      .example('lsync diff docs/ --stat', 'a summary of what differs under docs/')
      .epilog('Exit code 0 when nothing differs, 1 when something does (as diff and git diff --exit-code).'),
  run: async (args, { io, global }) => {
    const r = await runDiff({
      cwd: io.cwd,
      paths: args.paths ?? [],
      base: args.base,
      overrides: remoteOverrides(global),
      concurrency: global.concurrency,
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
      emit: (e) => {
        if (e.type === 'warning') io.stderr.write(`warning: ${e.message}\n`);
      },
    });
    if (global.json) io.stdout.write(`${JSON.stringify(diffJson(r))}\n`);
    else if (!global.quiet) {
      const p = paint(useColour(io.env, io.stdout));
      const lines = args.stat ? statLines(r, p) : patchLines(r, p);
      if (r.files.length > 0) io.stdout.write(`${lines.join('\n')}\n`);
    }
    return r.files.length > 0 ? EXIT.failed : EXIT.ok;
  },
});
