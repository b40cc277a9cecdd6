/**
 * The one place where errors become exit codes and messages. Every command's failure, every
 * usage mistake and every interruption goes through `explain`; nothing else picks an exit code
 * for an error (bin/lsync.js only passes main's result on).
 *
 *   0 ok · 1 the run failed (remote, local I/O, a safety guard, refused names, a bug)
 *   2 the user can fix what they typed or their repository · 3 conflicts left · 130 interrupted
 */
import { EXIT, LsyncError, type ErrorCode } from '../core/errors.js';
import { RemoteError, type RemoteErrorKind } from '../remote/remote.js';
import { profileDefined } from './aws-profile.js';
import type { Io } from './io.js';

export { EXIT };
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** lsync's own errors: exit 2 for what the user can fix in what they typed or in the repository. */
const BY_ERROR_CODE: Record<ErrorCode, ExitCode> = {
  usage: EXIT.usage,
  'not-a-repo': EXIT.usage,
  'already-a-repo': EXIT.usage,
  'bad-config': EXIT.usage,
  'corrupt-database': EXIT.usage,
  locked: EXIT.usage,
  'path-outside': EXIT.usage,
  remote: EXIT.failed,
  'local-io': EXIT.failed,
  refused: EXIT.failed,
};

/** A remote's failures: all run-time failures (exit 1), each with what to try next. */
const BY_REMOTE_KIND: Record<RemoteErrorKind, { readonly code: ExitCode; readonly hint?: (c: ErrorContext) => string }> = {
  auth: { code: EXIT.failed, hint: () => 'check your credentials (AWS_PROFILE, --profile, AWS_ACCESS_KEY_ID) and that they may use this bucket' },
  'no-bucket': {
    code: EXIT.failed,
    // Inside a repository `init --create-bucket` alone refuses ("already a repository").
    hint: (c) =>
      c.command === 'init'
        ? 'check the name (and --endpoint, --region), or add --create-bucket to create it'
        : 'check the name (and --endpoint, --region), or create it: lsync init <remote> --create-bucket --force',
  },
  transient: { code: EXIT.failed, hint: () => 'the service or network failed; run the command again' },
  'not-found': { code: EXIT.failed },
  precondition: { code: EXIT.failed },
  unsupported: { code: EXIT.failed },
  permanent: { code: EXIT.failed },
};

/** Where an error happened, for hints that depend on it. */
export interface ErrorContext {
  readonly signal?: AbortSignal | undefined;
  /** The command that ran (`init`, `sync` ...), when known. */
  readonly command?: string | undefined;
  /** The AWS profile asked for (--profile, else AWS_PROFILE), to name it when it does not exist. */
  readonly profile?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The error and its causes, outermost first (the remote keeps the SDK's error as its cause). */
function causes(e: unknown): { name: string; code: string; message: string }[] {
  const out: { name: string; code: string; message: string }[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 8 && typeof cur === 'object' && cur !== null; i++) {
    const o = cur as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    out.push({ name: String(o.name ?? ''), code: String(o.code ?? ''), message: String(o.message ?? '') });
    cur = o.cause;
  }
  return out;
}

const CREDENTIAL_CHAIN = '--profile / AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws/credentials and ~/.aws/config, SSO, and the container or instance metadata';

/**
 * Failures whose cause says more than their kind: no credentials at all, an unknown profile, and
 * nothing listening at the endpoint. Undefined when the kind's row says enough.
 */
function remoteSpecifics(e: RemoteError, context: ErrorContext): { message: string; hint: string } | undefined {
  const chain = causes(e);
  const credentials = chain.some((c) => c.name === 'CredentialsProviderError' || /could not (load|resolve) credentials/i.test(c.message));
  const profile = context.profile;
  if (credentials && profile !== undefined && !profileDefined(profile, context.env ?? {})) {
    return { message: `AWS profile "${profile}" not found in ~/.aws/config or ~/.aws/credentials`, hint: 'check the name given to --profile (or AWS_PROFILE, or profile: in .lsync/config.yaml)' };
  }
  if (credentials) {
    return { message: `no AWS credentials found (looked at ${CREDENTIAL_CHAIN})`, hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile with --profile' };
  }
  if (chain.some((c) => ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(c.code) || /ECONNREFUSED|ENOTFOUND/.test(c.message))) {
    return { message: e.message, hint: 'nothing answered there: check --endpoint (or endpoint: in .lsync/config.yaml, AWS_ENDPOINT_URL) and that the service runs' };
  }
  return undefined;
}

/** How bad an exit code is, for combining several runs (`--recursive`): the worst one wins. */
const SEVERITY: Record<ExitCode, number> = {
  [EXIT.ok]: 0,
  [EXIT.conflicts]: 1, // the run finished
  [EXIT.failed]: 2,
  [EXIT.usage]: 3,
  [EXIT.interrupted]: 4, // nothing after it ran
};

export function exitCodeOf(code: ErrorCode): ExitCode {
  return BY_ERROR_CODE[code];
}

export function worstExit(a: number, b: number): number {
  const rank = (c: number): number => SEVERITY[c as ExitCode] ?? SEVERITY[EXIT.failed];
  return rank(b) > rank(a) ? b : a;
}

export interface Explained {
  readonly code: ExitCode;
  readonly message: string;
  readonly hint?: string;
  /** Not lsync's own error: a bug, worth a stack trace. */
  readonly bug: boolean;
}

const INTERRUPTED = 'interrupted; what finished is recorded, the next run completes the rest';

/** Any thrown value → exit code, one-line message and hint. */
export function explain(e: unknown, context: ErrorContext = {}): Explained {
  if (context.signal?.aborted === true && e instanceof Error && e.name === 'AbortError') {
    // Ctrl-C while scanning or listing (before the executor, which reports its own interruption):
    // nothing was transferred, and that is an interrupt, not a bug.
    return { code: EXIT.interrupted, message: INTERRUPTED, bug: false };
  }
  if (e instanceof LsyncError) return { code: exitCodeOf(e.code), message: e.message, ...(e.hint !== undefined ? { hint: e.hint } : {}), bug: false };
  if (e instanceof RemoteError) {
    const row = BY_REMOTE_KIND[e.kind];
    const specific = remoteSpecifics(e, context);
    if (specific !== undefined) return { code: row.code, ...specific, bug: false };
    return { code: row.code, message: e.message, ...(row.hint !== undefined ? { hint: row.hint(context) } : {}), bug: false };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: EXIT.failed, message: `internal error: ${err.message}`, hint: 'this is a bug in lsync; run again with --verbose and report the output', bug: true };
}

/**
 * The code a run ends with: a run stopped by Ctrl-C ends 130 even when the step it stopped
 * failed (main reports the aborted step as a failure, but the user asked to stop).
 */
export function finalExit(code: number, signal?: AbortSignal): number {
  return signal?.aborted === true && code === EXIT.failed ? EXIT.interrupted : code;
}

/** Prints an error (one line, a hint, a stack only with --verbose) and returns its exit code. */
export function reportError(e: unknown, io: Io, verbose: boolean, json: boolean, context: Omit<ErrorContext, 'signal' | 'env'> = {}): number {
  const x = explain(e, { ...context, signal: io.signal, env: io.env });
  const hint = x.bug && verbose ? undefined : x.hint;
  if (json) {
    io.stdout.write(`${JSON.stringify({ type: 'error', exitCode: x.code, message: x.message, ...(hint !== undefined ? { hint } : {}) })}\n`);
  }
  io.stderr.write(`lsync: ${x.message}\n`);
  if (hint !== undefined && !json) io.stderr.write(`hint: ${hint}\n`);
  if (verbose && e instanceof Error && e.stack !== undefined) io.stderr.write(`${e.stack}\n`);
  return x.code;
}

/** A command-line mistake: one line, where to look, exit 2. */
export function reportUsage(message: string, io: Io): number {
  io.stderr.write(`lsync: ${message}\nhint: see lsync --help, or lsync <command> --help\n`);
  return EXIT.usage;
}
