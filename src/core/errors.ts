/**
 * lsync's own errors: one class, a stable `code`, and the exit code it maps to.
 * Anything thrown that is not an LsyncError (or a RemoteError, see remote/remote.ts) is a bug and
 * is reported as such by the CLI.
 *
 * Pure: no `node:*` imports.
 */

export type ErrorCode =
  // exit 2: the user can fix it by changing what they typed or their repository
  | 'usage' // bad option or argument
  | 'not-a-repo' // no .lsync/ found walking up
  | 'already-a-repo' // init inside an existing repository without --force
  | 'bad-config' // config.yaml unreadable or invalid
  | 'corrupt-database' // index.yaml / journal unreadable or invalid
  | 'locked' // another lsync process holds the repository
  | 'path-outside' // a command-line path outside the repository
  // exit 1: run-time failures
  | 'remote' // the remote failed (network, permission, missing bucket); wraps a RemoteError
  | 'local-io' // a local file operation failed
  | 'refused'; // a safety guard refused the run (max-delete)

export class LsyncError extends Error {
  override readonly name = 'LsyncError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** One line telling the user what to do next, printed after the message. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    return exitCodeFor(this.code);
  }
}

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'usage':
    case 'not-a-repo':
    case 'already-a-repo':
    case 'bad-config':
    case 'corrupt-database':
    case 'locked':
    case 'path-outside':
      return 2;
    case 'remote':
    case 'local-io':
    case 'refused':
      return 1;
  }
}

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  conflicts: 3,
  interrupted: 130,
} as const;
