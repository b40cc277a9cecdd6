/** `lsync status [paths..]`: the plan of a sync, transferring nothing. */
import { defineCommand } from '../command.js';
import { pathsArg, recursiveArg } from '../args.js';
import { syncLike } from '../sync-run.js';

export default defineCommand({
  command: 'status [paths..]',
  describe: 'show what a sync would do, in both directions, and the conflicts (transfers nothing)',
  builder: (y) =>
    recursiveArg(pathsArg(y))
      .option('use-feed', { type: 'boolean', describe: "skip the full remote listing while the change feed shows nothing new since the last one (younger than rescan_interval); config: feed_listing" })
      .option('remote', { type: 'string', describe: 'what a push to this mirror would do (see lsync remote list)' })
      .example('lsync status --remote backup', 'what the mirror "backup" lacks')
      .example('lsync status', 'the whole repository')
      .example('lsync status --json', 'the plan as JSON for scripts')
      .epilog('Grouped as git status does (to push, to pull, conflicts, left out) with counts and sizes, paths relative to the current folder, and a last line saying the command to run next. Exit code 3 when conflicts exist, 1 when names were left out, 0 otherwise.'),
  run: (args, ctx) => syncLike('status', { ...args, to: args.remote }, ctx),
});
