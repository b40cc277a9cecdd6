/**
 * Move detection: a post-pass over the planner's actions that turns "delete P + add Q with the
 * same content" into one rename P → Q on the other side, so a renamed file or folder is never
 * sent or fetched again (SPEC, "Three-way rules").
 *
 * Only plain one-sided changes pair, as the decision table produces them:
 * - the source P: deleted on one side while the other side still holds exactly the base
 *   (`delete-remote` whose object is unchanged since the base; `delete-local` whose file is);
 * - the target Q: new on one side, with no base and nothing at Q on the other side
 *   (`upload` without `expectRemote`/`base`; `download` without `expectLocal`/`base`).
 * Anything else (an edit on the other side of P or Q, a conflict, a --force overwrite) keeps its
 * ordinary decision, so pairing can never lose an edit: a move only ever replaces two actions
 * whose combined effect it reproduces exactly.
 *
 * Pure: no `node:*` imports.
 */

import { localChange } from './classify.js';
import { compareKeys } from './paths.js';
import { assertNever, type Action, type BaseEntry, type ContentHash, type EntryKind } from './types.js';

type DeleteRemote = Extract<Action, { type: 'delete-remote' }>;
type DeleteLocal = Extract<Action, { type: 'delete-local' }>;
type Upload = Extract<Action, { type: 'upload' }>;
type Download = Extract<Action, { type: 'download' }>;

/**
 * One half of a possible rename: a delete (the content it removes from P) or an add (the content
 * it brings to Q).
 */
interface Half<A> {
  readonly action: A;
  readonly path: string;
  readonly hash: ContentHash;
}

/** A delete half also carries the base record of P, which the move keeps for its preconditions. */
interface SourceHalf<A> extends Half<A> {
  readonly base: BaseEntry;
}

/**
 * Replace each pairable delete + add with one move. The result holds the same actions otherwise,
 * in the same relative order, with each move where its add was (the caller sorts anyway).
 * Deterministic: depends only on the actions' contents, not their order.
 */
export function pairMoves(actions: readonly Action[]): Action[] {
  const remoteSources: SourceHalf<DeleteRemote>[] = [];
  const remoteTargets: Half<Upload>[] = [];
  const localSources: SourceHalf<DeleteLocal>[] = [];
  const localTargets: Half<Download>[] = [];
  for (const a of actions) {
    switch (a.type) {
      case 'delete-remote': {
        const b = a.base;
        // The object must still be the one recorded: a remote edit under a local delete is not a rename.
        if (b !== undefined && a.remote.etag === b.etag && movable(b.size)) remoteSources.push({ action: a, path: a.path, hash: identity(b.kind, b.hash), base: b });
        break;
      }
      case 'upload':
        if (a.expectRemote === undefined && a.base === undefined && a.local.hash !== undefined && movable(a.local.size)) {
          remoteTargets.push({ action: a, path: a.path, hash: identity(a.local.kind, a.local.hash) });
        }
        break;
      case 'delete-local': {
        const b = a.base;
        if (b !== undefined && localChange(a.local, b) === 'unchanged' && movable(b.size)) localSources.push({ action: a, path: a.path, hash: identity(b.kind, b.hash), base: b });
        break;
      }
      case 'download':
        if (a.expectLocal === undefined && a.base === undefined && a.remote.hash !== undefined && movable(a.remote.size)) {
          localTargets.push({ action: a, path: a.path, hash: identity(a.remote.kind, a.remote.hash) });
        }
        break;
      case 'record':
      case 'forget':
      case 'move-remote':
      case 'move-local':
      case 'keep-both':
      case 'mkdir-remote':
      case 'mkdir-local':
      case 'rmdir-remote':
      case 'rmdir-local':
      case 'record-dir':
      case 'forget-dir':
        break;
      default:
        assertNever(a);
    }
  }

  const replaced = new Map<Action, Action>(); // the add → its move
  const dropped = new Set<Action>(); // the deletes folded into a move
  for (const [src, dst] of pair(remoteSources, remoteTargets)) {
    replaced.set(dst.action, moveRemote(src, dst.action));
    dropped.add(src.action);
  }
  for (const [src, dst] of pair(localSources, localTargets)) {
    replaced.set(dst.action, moveLocal(src, dst.action));
    dropped.add(src.action);
  }
  if (dropped.size === 0) return [...actions];
  const out: Action[] = [];
  for (const a of actions) {
    if (dropped.has(a)) continue;
    out.push(replaced.get(a) ?? a);
  }
  return out;
}

/** What pairs a delete with an add: the content, and the kind (a file never pairs with a link). */
function identity(kind: EntryKind, hash: ContentHash): string {
  return kind === 'file' ? hash : `${kind}:${hash}`;
}

/**
 * An empty file has no identity to recognise: pairing a deleted `.gitkeep` with a new empty
 * `__init__.py` would report a rename nobody made, and sending 0 bytes costs nothing anyway.
 */
function movable(size: number): boolean {
  return size > 0;
}

/**
 * Pair sources and targets of equal content. Each source and each target is used at most once;
 * the unpaired stay ordinary deletes and adds. When several files share one content (copies of
 * one file, a folder of identical files moved as a group), the same file name is preferred
 * (`a/x` → `b/x` rather than `b/y`), then plain path order; any pairing would give the same
 * contents, this one gives the renames the user most likely made.
 */
function pair<S extends Half<unknown>, T extends Half<unknown>>(sources: readonly S[], targets: readonly T[]): [S, T][] {
  if (sources.length === 0 || targets.length === 0) return [];
  const byHash = new Map<ContentHash, T[]>();
  for (const t of targets) {
    const list = byHash.get(t.hash);
    if (list === undefined) byHash.set(t.hash, [t]);
    else list.push(t);
  }
  const sortedSources = [...sources].sort((a, b) => compareKeys(a.path, b.path));
  const groups = new Map<ContentHash, S[]>();
  for (const s of sortedSources) {
    if (!byHash.has(s.hash)) continue;
    const list = groups.get(s.hash);
    if (list === undefined) groups.set(s.hash, [s]);
    else list.push(s);
  }

  const pairs: [S, T][] = [];
  for (const [hash, group] of groups) {
    const candidates = [...(byHash.get(hash) ?? [])].sort((a, b) => compareKeys(a.path, b.path));
    const used = new Set<T>();
    const unpaired: S[] = [];
    // Pass 1: same file name, each name's targets taken in path order.
    const byName = new Map<string, T[]>();
    for (const t of candidates) {
      const n = baseName(t.path);
      const list = byName.get(n);
      if (list === undefined) byName.set(n, [t]);
      else list.push(t);
    }
    for (const s of group) {
      const t = byName.get(baseName(s.path))?.shift();
      if (t === undefined) {
        unpaired.push(s);
      } else {
        used.add(t);
        pairs.push([s, t]);
      }
    }
    // Pass 2: what is left, in path order.
    const rest = candidates.filter((t) => !used.has(t));
    for (let i = 0; i < unpaired.length && i < rest.length; i++) {
      const s = unpaired[i];
      const t = rest[i];
      if (s !== undefined && t !== undefined) pairs.push([s, t]);
    }
  }
  return pairs;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function moveRemote(src: SourceHalf<DeleteRemote>, dst: Upload): Action {
  return { type: 'move-remote', path: dst.path, from: src.path, local: dst.local, remote: src.action.remote, base: src.base };
}

function moveLocal(src: SourceHalf<DeleteLocal>, dst: Download): Action {
  return { type: 'move-local', path: dst.path, from: src.path, local: src.action.local, remote: dst.remote, base: src.base };
}
