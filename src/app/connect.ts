/**
 * From one remote's config (plus command-line overrides) to a working Remote.
 */
import { openRemote, parseRemoteUrl, type OpenedRemote } from '../remote/open.js';
import { encryptionSettings, type RemoteConfig } from '../state/config.js';

/** --endpoint, --region, --profile: win over the config for this run only. */
export interface RemoteOverrides {
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** --provider: the provider table's row (init, clone and `remote add` record it as the remote's `provider`). */
  readonly provider?: string;
}

/**
 * `onRegion`: told when a redirect names the bucket's region (not with --region, which is never
 * overridden). `onVersioningOff`: told when versioning recorded as on is found off (s3/versions.ts).
 */
export async function connect(
  config: RemoteConfig,
  o: RemoteOverrides,
  concurrency: number,
  onRegion?: (region: string) => void,
  onVersioningOff?: (message: string) => void,
): Promise<OpenedRemote> {
  const spec = parseRemoteUrl(config.url);
  const endpoint = o.endpoint ?? config.endpoint;
  const region = o.region ?? config.region;
  const profile = o.profile ?? config.profile;
  const provider = o.provider ?? config.provider;
  return openRemote(spec, {
    concurrency,
    // lsync's own retry wrapper (src/remote/wrap) retries with jitter and says so; SDK retries
    // underneath it would multiply the attempts.
    maxAttempts: 1,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    regionForced: o.region !== undefined,
    ...(onRegion !== undefined ? { onRegion } : {}),
    ...(profile !== undefined ? { profile } : {}),
    // Each remote its own service's quirks (a mirror on another provider than origin's); --provider wins for this run.
    ...(provider !== undefined ? { provider } : {}),
    ...(config.conditionalWrites !== undefined ? { conditionalWrites: config.conditionalWrites } : {}),
    ...(config.conditionalDeletes !== undefined ? { conditionalDeletes: config.conditionalDeletes } : {}),
    ...(config.conditionalCopies !== undefined ? { conditionalCopies: config.conditionalCopies } : {}),
    ...(config.versioning !== undefined ? { versioning: config.versioning } : {}),
    ...(onVersioningOff !== undefined ? { onVersioningOff } : {}),
    ...(config.multipartThreshold !== undefined ? { multipartThreshold: config.multipartThreshold } : {}),
    ...(config.partSize !== undefined ? { partSize: config.partSize } : {}),
    ...(config.partMemory !== undefined ? { partMemory: config.partMemory } : {}),
    // The same encryption as every other object of this remote (an unset SSE-C key variable fails here).
    encryption: encryptionSettings(config),
  });
}
