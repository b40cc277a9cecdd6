/**
 * `--recursive`: the repositories nested in a repository (subdirectories holding their own
 * `.lsync/`), found by the same walk as a sync's scan, so "nested" means exactly what the parent
 * leaves out. Only stats: nothing is hashed.
 */
import { join } from 'node:path';
import { compareKeys } from '../core/paths.js';
import { walk } from '../scan/walk.js';
import { findRepoRoot, openRepo } from './repo.js';

export interface NestedRepo {
  /** Absolute path of its root. */
  readonly abs: string;
  /** Path relative to the repository it was found in, `/`-separated. */
  readonly path: string;
}

export interface NestedScan {
  readonly repos: readonly NestedRepo[];
  /** Folders holding a `.lsync/` without a config: not repositories, said so and left alone. */
  readonly broken: readonly string[];
}

export async function findNested(root: string, signal?: AbortSignal): Promise<NestedScan> {
  const repo = await openRepo(root);
  const walked = await walk(repo.root, { scopes: [], useGitignore: repo.config.useGitignore, concurrency: 8, ...(signal !== undefined ? { signal } : {}) }, () => undefined);
  const repos: NestedRepo[] = [];
  const broken: string[] = [];
  for (const path of [...walked.nested].sort(compareKeys)) {
    const abs = join(repo.root, ...path.split('/'));
    // A `.lsync/` folder without config.yaml is not a repository: opening it would walk up and
    // find the parent again, running the parent twice.
    if ((await findRepoRoot(abs)) === abs) repos.push({ abs, path });
    else broken.push(path);
  }
  return { repos, broken };
}
