/**
 * Retention of the copies lsync keeps of what pushes replace (config `versions_keep`,
 * `versions_max_age`), applied once after a push that replaced something: one listing of the kept
 * copies and a delete for each that goes (Remote.pruneVersions). The newest copy of a file that no
 * longer exists always stays. Service versions (S3 versioning on) are the bucket's lifecycle
 * rules' business, never lsync's.
 */
import type { PruneResult, Remote, VersionRetention } from '../remote/remote.js';
import { parseDuration } from '../state/config-keys.js';
import type { RepoConfig } from '../state/config.js';

export function retentionOf(cfg: Pick<RepoConfig, 'versionsKeep' | 'versionsMaxAge'>, nowMs: number, signal?: AbortSignal): VersionRetention {
  const age = parseDuration(cfg.versionsMaxAge);
  return {
    keep: Math.floor(cfg.versionsKeep),
    ...(age !== undefined && Number.isFinite(age) ? { maxAgeMs: age } : {}),
    nowMs,
    ...(signal !== undefined ? { signal } : {}),
  };
}

/** Whether pushes keep copies at all (history where the service keeps no versions). */
export function keepsVersions(cfg: Pick<RepoConfig, 'versionsKeep'>): boolean {
  return cfg.versionsKeep >= 1;
}

/** The one line `lsync status` says when nothing a push replaces can be got back; undefined otherwise. */
export function noHistory(remote: Remote, cfg: Pick<RepoConfig, 'versionsKeep'>): string | undefined {
  if (remote.capabilities.versioning || keepsVersions(cfg)) return undefined;
  return `no history: ${remote.display} keeps no versions and versions_keep is 0, so what a sync overwrites or deletes there cannot be restored (to keep copies: lsync config set versions_keep 20)`;
}

/**
 * After a push that replaced `replaced` objects: prune. A failure here loses nothing (the copies
 * stay until the next push), so it is a warning, never the push's error.
 */
export async function pruneAfterPush(
  remote: Remote,
  cfg: Pick<RepoConfig, 'versionsKeep' | 'versionsMaxAge'>,
  replaced: number,
  warn: (message: string) => void,
  signal?: AbortSignal,
): Promise<PruneResult | undefined> {
  if (replaced === 0 || remote.pruneVersions === undefined || remote.capabilities.versioning) return undefined;
  try {
    return await remote.pruneVersions(retentionOf(cfg, Date.now(), signal));
  } catch (err) {
    if (signal?.aborted === true) throw err;
    warn(`old versions were not pruned this time (${err instanceof Error ? err.message : String(err)}); the next push tries again`);
    return undefined;
  }
}
