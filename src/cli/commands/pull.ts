/** `lsync pull [paths..]`: remote changes into the local tree. */
import { defineCommand } from '../command.js';
import { transferOptions } from '../args.js';
import { syncLike } from '../sync-run.js';

export default defineCommand({
  command: 'pull [paths..]',
  describe: 'take remote changes into the local tree',
  builder: (y) =>
    transferOptions(y, 'remote')
      .example('lsync pull', 'take every remote change')
      .example('lsync pull data/ --force', 'make data/ match the remote, discarding local edits (kept in .lsync/trash/)'),
  run: (args, ctx) => syncLike('pull', args, ctx),
});
