/**
 * History on the write path: every object a push writes carries who wrote it (host and user, in
 * its metadata), and an object a push overwrites or deletes is kept first as a version where the
 * service keeps none (Remote.keepVersion: a server-side copy under `.lsync/versions/`). Wrapped
 * around the remote the executor writes through, so each upload and remote delete gets the step
 * just before its effect, under the same precondition (the ETag the plan saw).
 *
 * Not kept: folder markers (no content), lsync's own `.lsync/` bookkeeping, and the source of a
 * move (copied to its new path just before: its content lives on there).
 */
import { hostname, userInfo } from 'node:os';
import type { CopyOptions, PutOptions, PutResult, PutSource, Remote } from '../remote/remote.js';
import { ForwardingRemote, PASS_THROUGH, type DeleteOptions } from '../remote/wrap/forward.js';

export interface Author {
  readonly host: string;
  readonly user: string;
}

let author: Author | undefined;

/**
 * This machine's host name and the user running lsync (LSYNC_USER overrides, e.g. in tests).
 * Asked once, and only by a run that writes: the user lookup goes through NSS (getpwuid), which
 * cost a no-op run tens of milliseconds.
 */
export function currentAuthor(): Author {
  author ??= lookUpAuthor();
  return author;
}

function lookUpAuthor(): Author {
  let user = process.env['LSYNC_USER'] ?? '';
  if (user === '') {
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry (some containers): the environment is all there is.
      user = process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
    }
  }
  return { host: process.env['LSYNC_HOST'] ?? hostname(), user };
}

/** What the history step did in one run (retention runs when something was replaced; bench/history.ts). */
export interface KeepCounts {
  /** Objects overwritten or deleted (not moved). */
  replaced: number;
  /** Copies kept of them. */
  kept: number;
}

export interface HistoryOptions {
  /** Keep copies of what is replaced (config versions_keep > 0); the author is written either way. */
  readonly keep: boolean;
  readonly counts?: KeepCounts;
}

export function withHistory(remote: Remote, author: () => Author, options: HistoryOptions = { keep: true }): Remote {
  return new HistoryRemote(remote, author, options);
}

function keepable(path: string): boolean {
  return !path.endsWith('/') && !path.startsWith('.lsync/');
}

class HistoryRemote extends ForwardingRemote {
  /** Sources of server-side copies of this run, by ETag: a delete of one of them is a move's. */
  private readonly copied = new Map<string, string>();

  constructor(
    inner: Remote,
    private readonly author: () => Author,
    private readonly options: HistoryOptions,
  ) {
    super(inner, PASS_THROUGH);
  }

  private async keep(path: string, ifMatch: string | undefined, signal: AbortSignal | undefined, size: number | undefined): Promise<void> {
    if (ifMatch === undefined || !keepable(path)) return;
    const counts = this.options.counts;
    if (counts !== undefined) counts.replaced++;
    if (!this.options.keep || this.inner.keepVersion === undefined) return;
    const id = await this.inner.keepVersion(path, ifMatch, signal, size);
    if (id !== undefined && counts !== undefined) counts.kept++;
  }

  override async put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    await this.keep(path, options.ifMatch, options.signal, options.replacedSize);
    const by = keepable(path) ? this.author() : undefined;
    const meta = by !== undefined ? { ...options.meta, host: by.host, user: by.user } : options.meta;
    return this.inner.put(path, source, { ...options, meta });
  }

  override async copy(from: string, to: string, options?: CopyOptions): Promise<PutResult> {
    const result = await this.inner.copy(from, to, options);
    if (options?.ifMatch !== undefined) this.copied.set(from, options.ifMatch);
    return result;
  }

  override async delete(path: string, options?: DeleteOptions): Promise<void> {
    const moved = options?.ifMatch !== undefined && this.copied.get(path) === options.ifMatch;
    if (!moved) await this.keep(path, options?.ifMatch, options?.signal, options?.replacedSize);
    return this.inner.delete(path, options);
  }
}
