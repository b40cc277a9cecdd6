/**
 * The snapshot's two sides and base as kind-change.ts reads them, for the few paths where a file
 * and a folder share a name (so the walks below a path are cheap enough: they happen per clash).
 */
import { isKindChange, type KindSide } from '../core/kind-change.js';
import type { BaseEntry, LocalEntry, RemoteEntry } from '../core/types.js';

function side<E extends { readonly path: string }>(files: ReadonlyMap<string, E>, dirs: ReadonlyMap<string, E>): KindSide<E> {
  const below = (path: string): E[] => {
    const prefix = `${path}/`;
    const out: E[] = [];
    for (const m of [files, dirs]) for (const [p, e] of m) if (p.startsWith(prefix)) out.push(e);
    return out;
  };
  return { file: (path) => files.get(path), hasDir: (path) => dirs.has(path), below };
}

/** A `kindChange` predicate for checkNames over one snapshot's sides. */
export function kindChangeOf(local: ReadonlyMap<string, LocalEntry>, emptyDirs: readonly string[], remote: ReadonlyMap<string, RemoteEntry>, markers: ReadonlyMap<string, RemoteEntry>, base: ReadonlyMap<string, BaseEntry>): (path: string) => boolean {
  const localDirs = new Map<string, LocalEntry>(emptyDirs.map((path) => [path, { path, kind: 'dir', size: 0, mtimeMs: 0, mode: 0 }]));
  const sides = { local: side(local, localDirs), remote: side(remote, markers), base: (p: string) => base.get(p) };
  return (path) => isKindChange(path, sides);
}
