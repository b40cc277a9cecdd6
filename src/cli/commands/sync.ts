/** `lsync sync [paths..]`: both directions. */
import { defineCommand } from '../command.js';
import { maxDeleteArg, pathsArg, recursiveArg } from '../args.js';
import { syncLike } from '../sync-run.js';

export default defineCommand({
  command: 'sync [paths..]',
  describe: 'pull, then push: both sides end up with every non-conflicting change',
  builder: (y) =>
    maxDeleteArg(recursiveArg(pathsArg(y)))
      .option('all', { type: 'boolean', default: false, describe: 'sync with origin, then push to every mirror at once (see lsync remote list)' })
      .option('use-feed', { type: 'boolean', describe: "skip the full remote listing while the change feed shows nothing new since the last one (younger than rescan_interval); config: feed_listing" })
      .example('lsync sync', 'everything')
      .example('lsync sync --all', 'both ways with origin, then the result to every mirror')
      .example('lsync sync reports/ --dry-run', 'show what would happen under reports/')
      .epilog('Conflicts (both sides changed differently) are never overwritten: they are reported, everything else is synced, and the exit code is 3.'),
  run: (args, ctx) => syncLike('sync', args, ctx),
});
