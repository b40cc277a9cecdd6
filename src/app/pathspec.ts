/**
 * Command-line pathspecs, as git users type them: files and folders relative to the current
 * folder, or globs (`'docs/*.md'`, picomatch syntax: `*` stays within a folder, `**` crosses them,
 * dot files match). A glob scans from its fixed part (`docs/`) and keeps the paths it matches, on
 * every side (local, base, remote: a glob can name a file that exists only on the remote, which no
 * file-system globber would find). A pathspec that matches nothing is an error, as in git.
 */
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { LsyncError } from '../core/errors.js';
import type { TakenSnapshot } from './snapshot.js';
import { toScopes } from './repo.js';

interface Spec {
  /** As the user typed it, for messages. */
  readonly typed: string;
  /** Does this repository-relative path (a file or a folder) fall under the spec? */
  readonly covers: (path: string) => boolean;
  /** The whole repository (`.`): matches even an empty one. */
  readonly whole?: boolean;
}

export interface Pathspecs {
  /** What to scan: the plain paths and each glob's fixed part; [] = everything. */
  readonly scopes: string[];
  readonly specs: readonly Spec[];
  /** Set when a glob was given: the snapshot keeps only the paths some spec covers. */
  readonly filter?: (path: string) => boolean;
}

const under = (scope: string) => (path: string): boolean => scope === '' || path === scope || path.startsWith(`${scope}/`);

/** A path is covered by a glob when it, or a folder above it, matches (naming a folder names its contents). */
function globCovers(pattern: string): (path: string) => boolean {
  const isMatch = picomatch(pattern, { dot: true });
  return (path) => {
    for (let p = path; p !== '.' && p !== ''; p = posix.dirname(p)) if (isMatch(p)) return true;
    return false;
  };
}

export function parsePathspecs(root: string, cwd: string, paths: readonly string[]): Pathspecs {
  const specs: Spec[] = [];
  const bases: string[] = [];
  let globbed = false;
  for (const typed of paths) {
    const scan = picomatch.scan(typed);
    if (!scan.isGlob) {
      const scope = toScopes(root, cwd, [typed])[0] ?? '';
      bases.push(typed);
      specs.push({ typed, covers: under(scope), ...(scope === '' ? { whole: true } : {}) });
      continue;
    }
    globbed = true;
    // The fixed part goes through the same checks as a plain path (inside the repository, not .lsync/).
    const base = toScopes(root, cwd, [scan.base === '' ? '.' : scan.base])[0] ?? '';
    bases.push(scan.base === '' ? '.' : scan.base);
    specs.push({ typed, covers: globCovers(base === '' ? scan.glob : `${base}/${scan.glob}`) });
  }
  const scopes = toScopes(root, cwd, bases);
  if (!globbed) return { scopes, specs };
  return { scopes, specs, filter: (path) => specs.some((s) => s.covers(path)) };
}

/** The snapshot restricted to the paths the globs cover (unchanged when no glob was given). */
export function narrowSnapshot(snapshot: TakenSnapshot, ps: Pathspecs): TakenSnapshot {
  const keep = ps.filter;
  if (keep === undefined) return snapshot;
  const pick = <V>(m: ReadonlyMap<string, V>): Map<string, V> => new Map([...m].filter(([p]) => keep(p)));
  return { ...snapshot, local: pick(snapshot.local), base: pick(snapshot.base), remote: pick(snapshot.remote) };
}

/** Throws, naming the first pathspec that matched nothing here, in the database or on the remote. */
export function checkMatched(snapshot: TakenSnapshot, ps: Pathspecs): void {
  for (const spec of ps.specs) {
    if (spec.whole === true) continue;
    const hit = (m: ReadonlyMap<string, unknown>): boolean => {
      for (const p of m.keys()) if (spec.covers(p)) return true;
      return false;
    };
    if (hit(snapshot.local) || hit(snapshot.base) || hit(snapshot.remote)) continue;
    throw new LsyncError(
      'usage',
      `pathspec '${spec.typed}' did not match any file known to lsync (here, on the remote or in the last sync)`,
      'check the spelling and the current folder (paths are relative to it); ignored files (.lsyncignore) are never matched',
    );
  }
}
