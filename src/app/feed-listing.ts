/**
 * Manual runs that use the change feed (issue 12, SPEC "The change feed"): with `feed_listing:
 * true` or `--use-feed`, `status` and `sync` skip the full remote listing when
 *   - the last full listing showed the remote exactly as the database's base (`listing.json` says
 *     so, for this remote's URL and base),
 *   - that listing is younger than `rescan_interval`, and
 *   - the feed head is unchanged since then (a conditional GET answered 304), or every record
 *     after it is this repository's own (its changes are in the base already).
 * The remote view is then the base itself. Anything doubtful (no claim, feed head missing or
 * damaged, a reader behind the trim, another writer's record, an error reading the feed) means
 * the full listing, as without the feed. The claim is renewed only by a run that leaves the base
 * equal to the remote (see `baseMatchesRemote`), and dropped by any run that may not have.
 *
 * Foreign tools write no feed records: what they change is seen at the next full listing, at
 * most `rescan_interval` later; writes stay conditional meanwhile, so nothing is overwritten.
 */
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeHead, FeedDamage, HEAD } from '../feed/format.js';
import { readFeedState } from '../feed/local-state.js';
import { FeedReader } from '../feed/reader.js';
import { openFeedStore } from '../feed/store.js';
import type { Action, Plan, Snapshot } from '../core/types.js';
import type { NameProblem } from '../core/names.js';
import type { ExecResult } from '../exec/outcome.js';
import { RemoteError, type Remote } from '../remote/remote.js';
import { writeFileAtomic } from '../state/atomic.js';
import type { RepoConfig } from '../state/config.js';
import type { RemoteOverrides } from './connect.js';

/** What a full listing established: the base was the remote, as of feed head `head` (number `seq`). */
interface ListingClaim {
  readonly url: string;
  /** When the full listing that established it started (ms since the epoch). */
  readonly at: number;
  /** The feed head's ETag and number read just before that listing (or renewed past own records). */
  readonly head: string;
  readonly seq: number;
  /** Entries in the base when the claim was written: a replaced database does not match. */
  readonly entries: number;
}

const FILE = 'listing.json';

/** The feed head as read before this run's look at the remote; undefined: no feed (or unreadable). */
interface HeadSeen {
  readonly etag: string;
  readonly seq: number;
}

export type ListingChoice =
  | { readonly kind: 'base'; readonly reason: string; readonly claim: ListingClaim; readonly head: HeadSeen }
  | { readonly kind: 'full'; readonly reason: string; readonly startedAt: number; readonly head?: HeadSeen };

export interface GateOptions {
  readonly stateDir: string;
  readonly metaDir: string;
  readonly config: RepoConfig;
  readonly overrides: RemoteOverrides;
  readonly baseEntries: number;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

async function readClaim(stateDir: string): Promise<ListingClaim | undefined> {
  try {
    const raw: unknown = JSON.parse(await readFile(join(stateDir, FILE), 'utf8'));
    if (raw === null || typeof raw !== 'object') return undefined;
    const o = raw as Record<string, unknown>;
    const num = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (typeof o['url'] !== 'string' || typeof o['head'] !== 'string' || !num(o['at']) || !num(o['seq']) || !num(o['entries'])) return undefined;
    return { url: o['url'], at: o['at'], head: o['head'], seq: o['seq'], entries: o['entries'] };
  } catch {
    return undefined; // none yet, or unreadable: a full listing rebuilds it
  }
}

/** Forget the claim: the next run lists in full. */
export async function dropListingClaim(stateDir: string): Promise<void> {
  await unlink(join(stateDir, FILE)).catch(() => undefined);
}

/**
 * Decide how this run reads the remote. Reads the feed head first in any case: a full listing
 * then covers every record up to it, and one written while the listing runs is seen next time.
 */
export async function chooseListing(o: GateOptions): Promise<ListingChoice> {
  const now = o.now ?? Date.now;
  const startedAt = now();
  let store: Remote | undefined;
  try {
    store = await openFeedStore(o.config, o.overrides);
    return await choose(o, store, startedAt, now);
  } catch (e) {
    if (o.signal?.aborted === true) throw e;
    return { kind: 'full', reason: `the change feed could not be read (${e instanceof Error ? e.message : String(e)})`, startedAt };
  } finally {
    await store?.close();
  }
}

async function choose(o: GateOptions, store: Remote, startedAt: number, now: () => number): Promise<ListingChoice> {
  const claim = await readClaim(o.stateDir);
  const read = store.getIfChanged?.bind(store);
  if (read === undefined) return { kind: 'full', reason: 'this remote has no conditional read for the feed head', startedAt };
  // A directory remote whose feed folder was never made ('no-bucket') holds no feed yet either.
  const got = await read(HEAD, claim?.head, o.signal !== undefined ? { signal: o.signal, maxBytes: 4096 } : { maxBytes: 4096 }).catch((e: unknown) => {
    if (e instanceof RemoteError && e.kind === 'no-bucket') return { state: 'missing' as const };
    throw e;
  });
  if (got.state === 'missing') return { kind: 'full', reason: 'the remote has no change feed yet', startedAt };
  let head: HeadSeen;
  if (got.state === 'unchanged') {
    if (claim === undefined) return { kind: 'full', reason: 'no full listing recorded', startedAt };
    head = { etag: claim.head, seq: claim.seq };
  } else {
    try {
      head = { etag: got.object.etag, seq: decodeHead(got.data).seq };
    } catch (e) {
      if (e instanceof FeedDamage) return { kind: 'full', reason: `the change feed is damaged (${e.message})`, startedAt };
      throw e;
    }
  }
  const full = (reason: string): ListingChoice => ({ kind: 'full', reason, startedAt, head });
  if (claim === undefined) return full('no full listing recorded');
  if (claim.url !== o.config.origin.url || claim.entries !== o.baseEntries) return full('the last full listing was of another remote or database');
  const age = now() - claim.at;
  const rescanMs = o.config.rescanInterval * 1000;
  if (age < 0 || age >= rescanMs) return full(`the last full listing is ${Math.round(age / 1000)} s old (rescan_interval: ${o.config.rescanInterval} s)`);
  if (got.state === 'unchanged') return { kind: 'base', reason: 'the change feed is unchanged since the last full listing', claim, head };
  // The head moved: only records this repository wrote itself keep the claim.
  const writer = (await readFeedState(o.metaDir))?.writer;
  if (writer === undefined) return full('the change feed has new records');
  const reader = new FeedReader(store, writer, { seq: claim.seq });
  const poll = await reader.poll(o.signal);
  if (poll.kind === 'full') return full(poll.reason);
  if (poll.kind === 'changes') return full(`the change feed has ${poll.records} new record(s) from other writers`);
  // Idle without reading up to the head seen (it vanished meanwhile, say): doubtful.
  if (reader.position.seq < head.seq) return full('the change feed changed while it was read');
  return { kind: 'base', reason: 'the change feed holds only this repository\'s own records since the last full listing', claim, head };
}

/**
 * After the run: renew the claim when the base now equals the remote (`matches`), else drop it.
 * A full listing renews it from its start time; a run on the base keeps the listing's time (only
 * a full listing makes the claim younger) and moves past the head it read.
 */
export async function settleListing(stateDir: string, choice: ListingChoice, matches: boolean, url: string, baseEntries: number): Promise<void> {
  if (!matches || choice.head === undefined) {
    await dropListingClaim(stateDir);
    return;
  }
  const at = choice.kind === 'base' ? choice.claim.at : choice.startedAt;
  const claim: ListingClaim = { url, at, head: choice.head.etag, seq: choice.head.seq, entries: baseEntries };
  await writeFileAtomic(join(stateDir, FILE), `${JSON.stringify(claim)}\n`);
}

/** Paths where the listed remote differs from the base: present on one side only, a folder on one only, or another ETag. */
function remoteDrift(snapshot: Snapshot): string[] {
  const out: string[] = [];
  for (const [path, r] of snapshot.remote) {
    const b = snapshot.base.get(path);
    if (b === undefined || b.etag !== r.etag || (b.kind === 'dir') !== (r.kind === 'dir')) out.push(path);
  }
  for (const path of snapshot.base.keys()) if (!snapshot.remote.has(path)) out.push(path);
  return out;
}

function pathsOf(a: Action): string[] {
  if (a.type === 'move-local' || a.type === 'move-remote') return [a.path, a.from];
  if (a.type === 'keep-both') return [a.path, a.conflictPath];
  return [a.path];
}

export interface RunFacts {
  readonly snapshot: Snapshot;
  readonly names: readonly NameProblem[];
  readonly plan: Plan;
  /** Conflicts still standing after the run. */
  readonly conflicts: readonly unknown[];
  /** What was executed; undefined for status and dry runs (nothing changed). */
  readonly executed?: { readonly actions: readonly Action[]; readonly result: ExecResult };
}

/**
 * Whether the base equals the remote after this run. Without execution: the listing showed no
 * drift. With it: every action succeeded, nothing stands (conflicts, pending changes, refusals,
 * refused names), and every path where the remote had drifted from the base was acted on.
 */
export function baseMatchesRemote(f: RunFacts): boolean {
  if (f.names.length > 0 || f.plan.refusals.length > 0 || f.conflicts.length > 0 || f.plan.pending.length > 0) return false;
  const drift = remoteDrift(f.snapshot);
  if (f.executed === undefined) return drift.length === 0;
  const r = f.executed.result;
  if (r.failed > 0 || r.skipped > 0 || r.postponed > 0 || r.interrupted) return false;
  const acted = new Set(f.executed.actions.flatMap(pathsOf));
  return drift.every((p) => acted.has(p));
}
