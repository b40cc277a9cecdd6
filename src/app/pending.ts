/**
 * What the next push to a remote would send, judged here without the network (`lsync remote list`):
 * the local tree planned, in push mode, against that remote's base state, with the remote taken
 * to be exactly what it was at the last push (its base). Changes made on the remote by others are
 * not seen: for origin this counts local changes only; `lsync status --remote <name>` asks the
 * remote itself.
 */
import { plan as makePlan } from '../core/plan.js';
import type { BaseEntry } from '../core/types.js';
import { RemoteError, type Capabilities, type GetResult, type PutResult, type Remote, type RemoteObject } from '../remote/remote.js';
import type { RemoteConfig } from '../state/config.js';
import { openDatabase } from '../state/db.js';
import { readableStateDir } from '../state/layout.js';
import { scanLocal, type LocalScan } from '../scan/local.js';
import type { Repo } from './repo.js';
import { takeSnapshot } from './snapshot.js';

export interface Pending {
  /** Files the push would upload (new or changed), and their bytes. */
  readonly uploads: number;
  readonly bytes: number;
  /** Renames, done as server-side copies (or local renames on file://). */
  readonly moves: number;
  readonly deletes: number;
}

function asObject(b: BaseEntry): RemoteObject {
  return { path: b.kind === 'dir' ? `${b.path}/` : b.path, size: b.kind === 'dir' ? 0 : b.size, etag: b.etag, lastModifiedMs: 0 };
}

/** The remote as the base says it was: answers listings and HEADs from memory, and nothing else. */
class BaseView implements Remote {
  readonly capabilities: Capabilities = { conditionalWrites: false, versioning: false, serverSideCopy: true };

  constructor(
    readonly display: string,
    private readonly base: ReadonlyMap<string, BaseEntry>,
  ) {}

  async check(): Promise<void> {}

  async *list(under = ''): AsyncIterable<RemoteObject> {
    for (const b of this.base.values()) {
      if (under === '' || b.path === under || b.path.startsWith(`${under}/`)) yield asObject(b);
    }
  }

  stat(path: string): Promise<RemoteObject | undefined> {
    const b = this.base.get(path);
    return Promise.resolve(b === undefined ? undefined : { ...asObject(b), meta: { md5: b.hash, mtimeMs: b.mtimeMs, mode: b.mode } });
  }

  private refuse(op: string): Promise<never> {
    return Promise.reject(new RemoteError('unsupported', `${op}: a plan against the base state reads nothing from the remote`));
  }

  get(): Promise<GetResult> {
    return this.refuse('get');
  }

  put(): Promise<PutResult> {
    return this.refuse('put');
  }

  copy(): Promise<PutResult> {
    return this.refuse('copy');
  }

  delete(): Promise<void> {
    return this.refuse('delete');
  }

  async close(): Promise<void> {}
}

/**
 * The next push's changes to each of `remotes`, planned from the local tree and each one's base
 * state alone. The tree is walked once for all of them: the first base decides
 * which changed files the walk hashes (a record's hash is only trusted where the file's stat still
 * matches it, so the entries are right whichever base it was); each other snapshot hashes what its
 * own base needs on top (new files are counted by size; only a possible rename needs a hash).
 */
export async function pendingFor(repo: Repo, remotes: readonly RemoteConfig[], signal?: AbortSignal): Promise<{ readonly remote: RemoteConfig; readonly pending: Pending }[]> {
  const out: { remote: RemoteConfig; pending: Pending }[] = [];
  let scan: LocalScan | undefined;
  for (const remote of remotes) {
    const db = await openDatabase(await readableStateDir(repo.metaDir, remote.name));
    try {
      const options = { base: db.entries, scopes: [], useGitignore: repo.config.useGitignore, links: repo.config.links, deferHash: () => true, ...(signal !== undefined ? { signal } : {}) };
      scan ??= await scanLocal(repo.root, options);
      const snapshot = await takeSnapshot({ ...options, root: repo.root, remote: new BaseView(remote.url, db.entries), concurrency: 4, emit: () => undefined, scan });
      const plan = makePlan(snapshot, { mode: 'push', force: false, mirror: false, maxDeleteShare: 1, maxDeleteFloor: 10 });
      const s = plan.summary;
      out.push({ remote, pending: { uploads: s.uploads, bytes: s.uploadBytes, moves: s.moves, deletes: s.deleteRemote } });
    } finally {
      await db.discard();
    }
  }
  return out;
}
