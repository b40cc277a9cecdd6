/** The one error for an unreadable database file: where, what, and how to get going again. */
import { LsyncError } from '../core/errors.js';

const RECOVERY =
  'restore the file from a backup, or delete .lsync/index.yaml and .lsync/journal.yaml and run ' +
  '"lsync sync": identical files are adopted without transfer and differences become conflicts';

/** `file:line: what`; line is 1-based, omitted when unknown. */
export function corrupt(file: string, line: number | undefined, what: string, cause?: unknown): LsyncError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new LsyncError('corrupt-database', `${where}: ${what}`, RECOVERY, cause === undefined ? undefined : { cause });
}
