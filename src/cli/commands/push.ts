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
      .option('all', { type: 'boolean', default: false, describe: 'push to origin, then to every mirror at once; a mirror that fails holds back no other (exit 1 names it)' })
      .example('lsync push --to backup', 'send what changed since the last push to the mirror "backup"')
      .example('lsync push --all', 'origin, then every mirror (each gets only what it lacks)')
      .example('lsync push report.pdf --force', 'overwrite the remote copy even though a collaborator changed it')
      .epilog('With --all, --endpoint, --region, --profile and --provider apply to origin only: each mirror keeps the settings `lsync remote add` recorded.'),
  run: (args, ctx) => syncLike('push', args, ctx),
});
