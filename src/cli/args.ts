/** Positionals and options shared by several commands, typed so their handlers get typed args. */
import type { Argv } from 'yargs';

export function pathsArg<T>(y: Argv<T>) {
  return y.positional('paths', { type: 'string', array: true, describe: 'files or folders to limit the work to (relative to the current directory)' });
}

export function recursiveArg<T>(y: Argv<T>) {
  return y.option('recursive', {
    alias: 'r',
    type: 'boolean',
    default: false,
    describe: 'then do the same in each nested repository (subfolders with their own .lsync/), each with its own remote',
  });
}

export function maxDeleteArg<T>(y: Argv<T>) {
  return y.option('max-delete', { type: 'number', describe: 'allow up to this many deletions (default: refuse when a run would delete more than half of the files, once over 10)' });
}

/** push and pull: one side wins (--force), or becomes the other's mirror (--mirror). */
export function transferOptions<T>(y: Argv<T>, side: 'local' | 'remote') {
  const other = side === 'local' ? 'remote' : 'local tree';
  return maxDeleteArg(
    recursiveArg(pathsArg(y))
      .option('force', { type: 'boolean', default: false, describe: `${side} wins for the given paths, even where the other side changed` })
      .option('mirror', { type: 'boolean', default: false, describe: `make the ${other} exactly the ${side === 'local' ? 'local tree' : 'remote'} (deletes extras there)` }),
  );
}
