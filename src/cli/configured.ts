/**
 * Defaults of command-line options that a config file may set (today: `concurrency`), read
 * before a command runs: from the repository around the current directory, else from the
 * user's defaults (--global file).
 */
import { join } from 'node:path';
import { findRepoRoot } from '../app/repo.js';
import { META_DIR } from '../core/paths.js';
import { loadConfig, loadGlobalDefaults } from '../state/config.js';
import type { Io } from './io.js';

/**
 * The configured concurrency, or undefined. A config that cannot be read gives undefined: the
 * command that needs the repository reports it properly, and `lsync config` must stay usable to
 * repair it.
 */
export async function configuredConcurrency(io: Io): Promise<number | undefined> {
  const env = io.env as NodeJS.ProcessEnv;
  try {
    const root = await findRepoRoot(io.cwd);
    if (root !== undefined) return (await loadConfig(join(root, META_DIR), env)).concurrency;
    const value = (await loadGlobalDefaults(env))['concurrency'];
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
