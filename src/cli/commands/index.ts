/**
 * Every lsync command, in the order `lsync --help` lists them.
 *
 * To add a command `foo`:
 *   1. write src/cli/commands/foo.ts:
 *        export default defineCommand({
 *          command: 'foo <thing> [paths..]', describe: '...',
 *          builder: (y) => y.positional(...).option(...).example('lsync foo x', 'what it does'),
 *          run: async (args, { io, global }) => { ...; return EXIT.ok; },   // args are typed
 *        });
 *      (shared options: ../args.ts; --json/--verbose/--dry-run/--endpoint are global: `global`;
 *      errors: throw LsyncError/RemoteError, ../exit.ts maps them to exit codes);
 *   2. import it below and add it to `commands`: one line each. Nothing else to touch.
 */
import type { CommandEntry } from '../command.js';
import clone from './clone.js';
import completion from './completion.js';
import config from './config.js';
import diff from './diff.js';
import doctor from './doctor.js';
import init from './init.js';
import log from './log.js';
import ls from './ls.js';
import pull from './pull.js';
import push from './push.js';
import remote from './remote.js';
import resolve from './resolve.js';
import restore from './restore.js';
import status from './status.js';
import sync from './sync.js';
import trash from './trash.js';
import watch from './watch.js';

export const commands: readonly CommandEntry[] = [
  init,
  status,
  sync,
  push,
  pull,
  resolve,
  remote,
  log,
  restore,
  trash,
  clone,
  diff,
  ls,
  watch,
  config,
  completion,
  doctor,
];
