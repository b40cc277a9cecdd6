/** `lsync resolve <paths..> --keep local|remote|both`: settle conflicts. */
import { defineCommand } from '../command.js';
import { pathsArg } from '../args.js';
import { syncLike } from '../sync-run.js';

export default defineCommand({
  command: 'resolve <paths..>',
  describe: 'settle conflicts: keep the local version, the remote one, or both',
  builder: (y) =>
    pathsArg(y)
      .option('keep', { choices: ['local', 'remote', 'both'] as const, demandOption: true, describe: 'which version wins; both keeps the local one under a conflict name' })
      .example('lsync resolve notes.txt --keep local', 'your version replaces the remote one')
      .example('lsync resolve notes.txt --keep remote', 'the remote version replaces yours (yours goes to .lsync/trash/)')
      .example('lsync resolve docs/ --keep both', 'each local version is renamed to <stem>.conflict-<host>-<time><ext> and both are synced'),
  run: (args, ctx) => syncLike('resolve', args, ctx),
});
