/**
 * Where the feed lives: a Remote opened at `<prefix>/.lsync/feed/` (S3) or `<dir>/.lsync/feed`
 * (file://). The repository's own Remote skips and refuses `.lsync/` (user data never lands there);
 * a second Remote bound one level down reaches the feed through the same contract, conditional
 * creates included, with no new method on the Remote interface.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { openRemote, parseRemoteUrl, type OpenOptions, type RemoteSpec } from '../remote/open.js';
import { RemoteError, type Remote } from '../remote/remote.js';
import { encryptionSettings, type RepoConfig } from '../state/config.js';

import type { RemoteOverrides } from '../app/connect.js';

export function feedSpec(spec: RemoteSpec): RemoteSpec {
  if (spec.kind === 'file') return { kind: 'file', root: `${spec.root === '/' ? '' : spec.root}/.lsync/feed` };
  return { kind: 's3', bucket: spec.bucket, prefix: `${spec.prefix}.lsync/feed/` };
}

/** The feed's Remote for a repository's config (the same endpoint, credentials and capabilities). */
export async function openFeedStore(repoConfig: RepoConfig, o: RemoteOverrides): Promise<Remote> {
  // The feed belongs to the remote synced both ways (origin); mirrors are never read from.
  const config = repoConfig.origin;
  const endpoint = o.endpoint ?? config.endpoint;
  const region = o.region ?? config.region;
  const profile = o.profile ?? config.profile;
  const provider = o.provider ?? config.provider;
  const options: OpenOptions = {
    concurrency: 4,
    // One attempt: a failed poll is retried by the next poll, a failed append by the caller.
    maxAttempts: 1,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...(config.conditionalWrites !== undefined ? { conditionalWrites: config.conditionalWrites } : {}),
    // The feed's objects are encrypted as the remote's are (a bucket policy may require it).
    encryption: encryptionSettings(config),
  };
  const spec = parseRemoteUrl(config.url);
  const feed = feedSpec(spec);
  // A directory remote's feed folder is made on first use, but only inside a remote that exists:
  // an unmounted disk must not get a new tree at its mount point.
  if (spec.kind === 'file' && feed.kind === 'file' && existsSync(spec.root)) await mkdir(feed.root, { recursive: true });
  return openRemote(feed, options);
}

/** The whole body of a small object, or undefined when it does not exist. */
export async function readSmall(store: Remote, path: string, signal?: AbortSignal): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
  try {
    const { body, object } = await store.get(path, signal !== undefined ? { signal } : {});
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    } catch (err) {
      // The connection lost mid-body is a plain stream error: named like every other remote failure.
      if (err instanceof RemoteError || signal?.aborted === true) throw err;
      throw new RemoteError('transient', `get "${path}" in ${store.display}: the answer was cut off (${err instanceof Error ? err.message : String(err)})`, path);
    }
    return { bytes: Buffer.concat(chunks), etag: object.etag };
  } catch (err) {
    // 'no-bucket': a directory remote whose feed folder was never made holds no feed yet.
    if (err instanceof RemoteError && (err.kind === 'not-found' || err.kind === 'no-bucket')) return undefined;
    throw err;
  }
}
