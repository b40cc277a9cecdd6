/**
 * `lsync remote add <name> <url>`: a mirror is checked as `init` checks origin before anything is
 * written: it must answer (bucket or folder there, credentials accepted), what it supports is
 * probed and recorded in its options (conditional writes, deletes and copies, versioning), and it
 * may not be origin itself. Nothing is written on the mirror beyond the probe's own object; its
 * marker comes with the first push.
 */
import { LsyncError } from '../core/errors.js';
import { RemoteError } from '../remote/remote.js';
import type { ProbedCapabilities } from '../remote/open.js';
import { addRemote } from '../state/config-edit.js';
import type { RemoteConfig, RemoteEncryption } from '../state/config.js';
import { connect } from './connect.js';
import { checkRemoteUrl } from './init.js';
import type { Repo } from './repo.js';

export interface AddRequest {
  readonly name: string;
  readonly url: string;
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly provider?: string | undefined;
  /** --sse, --sse-kms-key-id, --sse-c-key-env: the mirror's own encryption. */
  readonly encryption?: RemoteEncryption | undefined;
  readonly concurrency: number;
}

export interface Added {
  readonly url: string;
  readonly objects: number;
  readonly bytes: number;
  readonly caps: ProbedCapabilities;
}

export async function addMirror(repo: Repo, req: AddRequest): Promise<Added> {
  const url = checkRemoteUrl(req.url);
  const same = repo.config.remotes.find((r) => r.url === url && (r.endpoint ?? '') === (req.endpoint ?? ''));
  if (same !== undefined) throw new LsyncError('usage', `${url} is already the remote "${same.name}"`, 'a mirror is another place: another bucket, prefix, service or folder');
  if (repo.config.remotes.some((r) => r.name === req.name)) throw new LsyncError('usage', `a remote named "${req.name}" already exists`, 'pick another name, or `lsync remote remove` it first');
  const config: RemoteConfig = {
    name: req.name,
    url,
    role: 'mirror',
    ...(req.endpoint !== undefined ? { endpoint: req.endpoint } : {}),
    ...(req.region !== undefined ? { region: req.region } : {}),
    ...(req.profile !== undefined ? { profile: req.profile } : {}),
    ...(req.provider !== undefined ? { provider: req.provider } : {}),
    ...req.encryption,
  };
  const remote = await connect(config, {}, req.concurrency);
  let caps: ProbedCapabilities;
  let objects = 0;
  let bytes = 0;
  try {
    try {
      await remote.check();
    } catch (e) {
      if (e instanceof RemoteError && e.kind === 'no-bucket') {
        // The remote's own hint (init --create-bucket) is for origin: lsync never creates a mirror.
        const what = e.message.replace(/ \(lsync init --create-bucket[^)]*\)$/, '');
        throw new LsyncError('remote', `mirror "${req.name}": ${what}`, 'create the bucket or folder first (lsync never creates a mirror\'s), then add it again');
      }
      throw e;
    }
    caps = await remote.probeCapabilities();
    for await (const o of remote.list('')) {
      if (o.path.startsWith('.lsync/')) continue;
      objects++;
      bytes += o.size;
    }
  } finally {
    await remote.close();
  }
  await addRemote(repo.metaDir, req.name, {
    url,
    role: 'mirror',
    endpoint: req.endpoint,
    region: req.region,
    profile: req.profile,
    provider: req.provider,
    sse: config.sse,
    sse_kms_key_id: config.sseKmsKeyId,
    sse_c_key_env: config.sseCKeyEnv,
    conditional_writes: caps.conditionalWrites,
    conditional_deletes: caps.conditionalDeletes,
    conditional_copies: caps.conditionalCopies,
    versioning: caps.versioning,
  });
  return { url, objects, bytes, caps };
}
