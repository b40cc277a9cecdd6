/** `lsync push [paths..]`: local changes to the remote. */
import { defineCommand } from '../command.js';
import { transferOptions } from '../args.js';
import { syncLike } from '../sync-run.js';

export default defineCommand({
  command: 'push [paths..]',
  describe: 'send local changes to the remote',
  builder: (y) =>
    transferOptions(y, 'local')
      .option('to', { type: 'string', describe: 'push to this mirror instead of origin (see lsync remote list)' })
      .example('lsync push --to backup', 'send what changed since the last push to the mirror "backup"')
      .example('lsync push', 'send every local change')
      .example('lsync push report.pdf --force', 'overwrite the remote copy even though a collaborator changed it'),
  run: (args, ctx) => syncLike('push', args, ctx),
});
