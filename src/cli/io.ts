import type { RemoteHook } from '../app/session.js';

/**
 * What a command sees of the world. `main(argv, io)` gets it from bin/lsync.js (the real process)
 * or from a test (strings), so no command reads `process` itself.
 */

/** A place to write text: process.stdout/stderr, or a test's buffer. */
export interface Out {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width, when a terminal: the progress line is cut to it, since a wrapped line cannot be redrawn in place. */
  readonly columns?: number;
}

export interface Io {
  readonly stdout: Out;
  readonly stderr: Out;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on the first Ctrl-C: the run stops taking new work and saves its state. */
  readonly signal?: AbortSignal;
  /** Tests only (in-process runs): counters or faults around each remote as it is opened. */
  readonly remoteHook?: RemoteHook;
}
