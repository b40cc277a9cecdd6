/**
 * `lsync diff [paths..]`: how each local file differs from the remote object (or, with --base,
 * from the version last synced). Text files get a line diff; binary files, links and files too
 * large to diff by line get sizes and hashes. Read-only: no lock, nothing changes.
 */
import { createHash } from 'node:crypto';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { LsyncError } from '../core/errors.js';
import { compareKeys } from '../core/paths.js';
import type { BaseEntry, LocalEntry, RemoteEntry } from '../core/types.js';
import type { Remote } from '../remote/remote.js';
import { isBinary, textDiff, type TextDiff } from '../diff/text.js';
import { pathStates, withView, type PathState, type RepoView, type ViewRequest } from './view.js';

/** Files larger than this are compared by size and hash only: a line diff of them is unreadable anyway. */
export const TEXT_LIMIT = 4 * 1024 * 1024;

export interface DiffSide {
  readonly size: number;
  /** MD5 of the content, when known (a multipart object's is known only once fetched). */
  readonly hash?: string;
}

export interface FileDiff {
  readonly path: string;
  /** Against the remote: how the local tree differs (view.ts). Against the base: always a local change. */
  readonly state: PathState;
  /** The remote object, or the base version with --base; undefined = not there. */
  readonly old?: DiffSide;
  /** The local file; undefined = not there. */
  readonly new?: DiffSide;
  /** Compared by size and hash only: binary content, a link, or too large for a line diff. */
  readonly binary: boolean;
  readonly text?: TextDiff;
  /** --base: why the old version cannot be shown (it is no longer anywhere lsync can read). */
  readonly unavailable?: string;
}

export interface DiffResult {
  readonly remote: string;
  readonly against: 'remote' | 'base';
  readonly files: readonly FileDiff[];
}

export interface DiffRequest extends ViewRequest {
  /** Compare with the version last synced instead of the remote object. */
  readonly base: boolean;
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

async function readRemote(remote: Remote, path: string, size: number, signal?: AbortSignal): Promise<Buffer | undefined> {
  if (size > TEXT_LIMIT) return undefined;
  const { body } = await remote.get(path, signal !== undefined ? { signal } : {});
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

async function readLocal(root: string, l: LocalEntry): Promise<Buffer | undefined> {
  if (l.size > TEXT_LIMIT) return undefined;
  const abs = join(root, ...l.path.split('/'));
  // A link's content is its target (types.ts EntryKind); it is shown by size and hash.
  return l.kind === 'link' ? Buffer.from(await readlink(abs)) : readFile(abs);
}

interface Pair {
  readonly path: string;
  readonly state: PathState;
  readonly local?: LocalEntry;
  /** Where the old bytes come from: the remote object (also for --base when it is still the base). */
  readonly old?: { readonly size: number; readonly hash?: string; readonly kind: string; readonly fetch: boolean };
  readonly unavailable?: string;
}

/** Paths whose local file differs from the remote object. */
function againstRemote(view: RepoView): Pair[] {
  const out: Pair[] = [];
  for (const [path, state] of pathStates(view.plan)) {
    const local = view.snapshot.local.get(path);
    const remote = view.snapshot.remote.get(path);
    if (local?.kind === 'dir' || remote?.kind === 'dir') continue;
    if (local === undefined && remote === undefined) continue;
    out.push({ path, state, ...(local !== undefined ? { local } : {}), ...(remote !== undefined ? { old: oldOf(remote) } : {}) });
  }
  return out;
}

function oldOf(r: RemoteEntry): NonNullable<Pair['old']> {
  return { size: r.size, kind: r.kind, fetch: true, ...(r.hash !== undefined ? { hash: r.hash } : {}) };
}

/** Paths whose local file differs from the version last synced, and where that version can be read. */
function againstBase(view: RepoView): Pair[] {
  const { local, base, remote } = view.snapshot;
  const out: Pair[] = [];
  const paths = new Set<string>([...local.keys(), ...base.keys()]);
  for (const path of paths) {
    const l = local.get(path);
    const b: BaseEntry | undefined = base.get(path);
    if (l?.kind === 'dir' || b?.kind === 'dir') continue;
    if (l !== undefined && b !== undefined && l.hash === b.hash && l.kind === b.kind) continue;
    const state: PathState = l === undefined ? 'local-deleted' : 'local-changed';
    const pair = { path, state, ...(l !== undefined ? { local: l } : {}) };
    if (b === undefined) {
      out.push(pair);
      continue;
    }
    const r = remote.get(path);
    if (r !== undefined && r.etag === b.etag) {
      // The remote object has not changed since the last sync: it is the base.
      out.push({ ...pair, old: { ...oldOf(r), hash: b.hash } });
    } else {
      out.push({
        ...pair,
        old: { size: b.size, hash: b.hash, kind: b.kind, fetch: false },
        unavailable: 'the version last synced has since been replaced on the remote, and no copy of it is kept; compare with the remote: lsync diff without --base',
      });
    }
  }
  return out;
}

async function compare(view: RepoView, p: Pair, signal?: AbortSignal): Promise<FileDiff | undefined> {
  const root = view.session.repo.root;
  const [oldBytes, newBytes] = await Promise.all([
    p.old?.fetch === true && p.old.kind === 'file' ? readRemote(view.session.remote, p.path, p.old.size, signal) : undefined,
    p.local !== undefined ? readLocal(root, p.local) : undefined,
  ]);
  const oldHash = oldBytes !== undefined && p.old?.kind === 'file' ? md5(oldBytes) : p.old?.hash;
  const newHash = newBytes !== undefined && p.local?.kind === 'file' ? md5(newBytes) : p.local?.hash;
  // The plan may only know that an object changed (a multipart ETag); the bytes tell.
  if (p.old !== undefined && p.local !== undefined && oldHash !== undefined && oldHash === newHash && p.old.kind === p.local.kind) return undefined;
  const side = (size: number, hash: string | undefined): DiffSide => ({ size, ...(hash !== undefined ? { hash } : {}) });
  const textual =
    p.unavailable === undefined &&
    (p.old === undefined || (oldBytes !== undefined && p.old.kind === 'file' && !isBinary(oldBytes))) &&
    (p.local === undefined || (newBytes !== undefined && p.local.kind === 'file' && !isBinary(newBytes)));
  return {
    path: p.path,
    state: p.state,
    ...(p.old !== undefined ? { old: side(p.old.size, oldHash) } : {}),
    ...(p.local !== undefined ? { new: side(p.local.size, newHash) } : {}),
    binary: !textual,
    ...(textual ? { text: textDiff(oldBytes?.toString('utf8'), newBytes?.toString('utf8')) } : {}),
    ...(p.unavailable !== undefined ? { unavailable: p.unavailable } : {}),
  };
}

export async function runDiff(req: DiffRequest): Promise<DiffResult> {
  return withView(req, async (view) => {
    const pairs = req.base ? againstBase(view) : againstRemote(view);
    const limit = pLimit(Math.max(1, Math.min(req.concurrency, 8)));
    const files = await Promise.all(
      pairs.map((p) =>
        limit(async () => {
          try {
            return await compare(view, p, req.signal);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // deleted since the scan: nothing to show
            if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('E')) {
              throw new LsyncError('local-io', `${p.path}: cannot read the local file (${e.code})`);
            }
            throw e;
          }
        }),
      ),
    );
    const shown = files.filter((f): f is FileDiff => f !== undefined).sort((a, b) => compareKeys(a.path, b.path));
    return { remote: view.session.remote.display, against: req.base ? 'base' : 'remote', files: shown };
  });
}
