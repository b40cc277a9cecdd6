/**
 * The doctor's findings into config.yaml (the remote's own keys, through the config API that keeps
 * comments): what conditional requests the service honours and whether the bucket keeps versions,
 * which decide the path a run takes (a look before each write, lsync's own copies of old versions).
 */
import { join } from 'node:path';
import type { Repo } from '../app/repo.js';
import { CONFIG_FILE, type RemoteConfig } from '../state/config.js';
import { setRemoteOptions } from '../state/config-edit.js';
import type { Probed } from './access.js';
import type { Findings } from './findings.js';

/** `region`: the bucket's region when a redirect named it (recorded so runs sign for it at once). */
export async function recordFindings(repo: Repo, remote: RemoteConfig, f: Findings, probed: Probed | undefined, region?: string): Promise<{ file: string; keys: Record<string, boolean | string> } | undefined> {
  const keys: Record<string, boolean | string> = {};
  if (region !== undefined) keys['region'] = region;
  if (probed !== undefined) {
    keys['conditional_writes'] = probed.conditionalWrites;
    keys['conditional_deletes'] = probed.conditionalDeletes;
    keys['conditional_copies'] = probed.conditionalCopies;
  }
  const v = f.get('versioning')?.value;
  if (v === 'on' || v === 'off' || v === 'suspended' || v === 'unsupported') keys['versioning'] = v === 'on';
  if (Object.keys(keys).length === 0) return undefined;
  await setRemoteOptions(repo.metaDir, remote.name, keys);
  return { file: join(repo.metaDir, CONFIG_FILE), keys };
}
