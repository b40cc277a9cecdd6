/**
 * From a repository's config (plus command-line overrides) to a working Remote.
 */
import type { Remote } from '../remote/remote.js';
import { openRemote, parseRemoteUrl } from '../remote/open.js';
import type { RepoConfig } from '../state/config.js';

/** --endpoint, --region, --profile: win over the config for this run only. */
export interface RemoteOverrides {
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
}

export async function connect(config: RepoConfig, o: RemoteOverrides, concurrency: number): Promise<Remote> {
  const spec = parseRemoteUrl(config.remote);
  const endpoint = o.endpoint ?? config.endpoint;
  const region = o.region ?? config.region;
  const profile = o.profile ?? config.profile;
  return openRemote(spec, {
    concurrency,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(config.conditionalWrites !== undefined ? { conditionalWrites: config.conditionalWrites } : {}),
  });
}
