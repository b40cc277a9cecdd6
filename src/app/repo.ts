/**
 * Finding a repository (walking up from the current directory, as git does) and turning
 * command-line paths into repository-relative scopes.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { LsyncError } from '../core/errors.js';
import { META_DIR } from '../core/paths.js';
import { CONFIG_FILE, loadConfig, type RepoConfig } from '../state/config.js';

export interface Repo {
  /** Absolute path of the repository root (the folder holding `.lsync/`). */
  readonly root: string;
  /** Absolute path of `.lsync/`. */
  readonly metaDir: string;
  readonly config: RepoConfig;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The nearest folder at or above `start` that holds `.lsync/config.yaml`, or undefined. */
export async function findRepoRoot(start: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    if (await isFile(join(dir, META_DIR, CONFIG_FILE))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export async function openRepo(cwd: string): Promise<Repo> {
  const root = await findRepoRoot(cwd);
  if (root === undefined) {
    throw new LsyncError('not-a-repo', `not an lsync repository (or any of the parent directories): ${resolve(cwd)}`,
      'run `lsync init <remote>` here to create one');
  }
  const metaDir = join(root, META_DIR);
  return { root, metaDir, config: await loadConfig(metaDir) };
}

/**
 * Command-line paths (relative to `cwd`) → repository-relative scopes with `/` separators.
 * '' means the whole repository. A path outside the repository or inside `.lsync/` is a usage error.
 */
export function toScopes(root: string, cwd: string, paths: readonly string[]): string[] {
  const scopes = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const rel = relative(root, abs);
    if (rel.startsWith('..') || resolve(root, rel) !== abs || (rel !== '' && rel.split(sep)[0] === '..')) {
      throw new LsyncError('path-outside', `${p}: outside the repository at ${root}`);
    }
    const scope = rel.split(sep).join('/');
    if (scope === META_DIR || scope.startsWith(`${META_DIR}/`) || scope.includes(`/${META_DIR}/`) || scope.endsWith(`/${META_DIR}`)) {
      throw new LsyncError('path-outside', `${p}: lsync's own folder is never synchronised`);
    }
    if (scope === '') return [];
    scopes.add(scope);
  }
  // Drop scopes contained in others, so nothing is listed or acted on twice.
  const list = [...scopes].sort();
  return list.filter((s) => !list.some((o) => o !== s && s.startsWith(`${o}/`)));
}
