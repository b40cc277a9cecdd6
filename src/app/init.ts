/**
 * `lsync init <remote> [dir]`: check the remote, record what it supports, write `.lsync/`.
 * Nothing is written locally until the remote has answered, so a typo leaves no half-made repository.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LsyncError } from '../core/errors.js';
import { META_DIR } from '../core/paths.js';
import { RemoteError } from '../remote/remote.js';
import { displayRemote, parseRemoteUrl, type ProbedCapabilities } from '../remote/open.js';
import { defaultConfig, loadConfig, saveConfig, type RepoConfig } from '../state/config.js';
import { INDEX_FILE, JOURNAL_FILE } from '../state/db.js';
import { stamp } from '../exec/localfs.js';
import { connect, type RemoteOverrides } from './connect.js';
import { findRepoRoot } from './repo.js';

export interface InitRequest {
  readonly remote: string;
  readonly dir: string;
  readonly cwd: string;
  readonly createBucket: boolean;
  readonly force: boolean;
  readonly overrides: RemoteOverrides;
  readonly concurrency: number;
}

export interface InitResult {
  readonly root: string;
  readonly remote: string;
  readonly createdBucket: boolean;
  readonly objects: number;
  readonly bytes: number;
  readonly conditionalWrites: boolean;
  readonly versioning: boolean;
}


/**
 * Re-binding a repository to another remote: its database describes the old remote, and trusting
 * it would turn every difference into a one-sided change. Move it aside (never delete it); the
 * first sync then adopts identical files and reports differing ones as conflicts.
 */
async function setAsideDatabase(metaDir: string, config: RepoConfig): Promise<void> {
  let old: RepoConfig;
  try {
    old = await loadConfig(metaDir);
  } catch {
    old = { ...config, remote: '' };
  }
  if (old.remote === config.remote && old.endpoint === config.endpoint) return;
  const aside = join(metaDir, 'trash', `${stamp(new Date())}-database-of-${old.remote.replace(/[^A-Za-z0-9._-]+/g, '_') || 'unknown'}`);
  await mkdir(aside, { recursive: true });
  for (const f of [INDEX_FILE, JOURNAL_FILE]) {
    await rename(join(metaDir, f), join(aside, f)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}

export async function runInit(req: InitRequest): Promise<InitResult> {
  let spec;
  try {
    spec = parseRemoteUrl(req.remote);
  } catch (e) {
    throw new LsyncError('usage', e instanceof Error ? e.message : String(e), 'examples: s3://bucket/prefix, bucket/prefix, file:///abs/dir');
  }
  const root = resolve(req.cwd, req.dir);
  const existing = await findRepoRoot(root);
  if (existing !== undefined && !req.force) {
    throw new LsyncError(
      'already-a-repo',
      existing === root ? `${root} is already an lsync repository` : `${root} is inside the lsync repository at ${existing}`,
      existing === root ? 'pass --force to bind it to another remote (the database is kept)' : 'pass --force to make a nested repository (the parent then leaves it alone)',
    );
  }
  try {
    const st = await stat(root);
    if (!st.isDirectory()) throw new LsyncError('usage', `${root}: not a directory`);
  } catch (e) {
    if (e instanceof LsyncError) throw e;
    await mkdir(root, { recursive: true });
  }

  const config: RepoConfig = {
    ...defaultConfig(displayRemote(spec)),
    ...(req.overrides.endpoint !== undefined ? { endpoint: req.overrides.endpoint } : {}),
    ...(req.overrides.region !== undefined ? { region: req.overrides.region } : {}),
    ...(req.overrides.profile !== undefined ? { profile: req.overrides.profile } : {}),
  };
  const remote = await connect(config, {}, req.concurrency);
  let createdBucket = false;
  let objects = 0;
  let bytes = 0;
  let caps: ProbedCapabilities = remote.capabilities;
  try {
    try {
      await remote.check();
    } catch (e) {
      if (!(e instanceof RemoteError && e.kind === 'no-bucket' && req.createBucket)) throw e;
      await remote.createBucket();
      createdBucket = true;
      await remote.check();
    }
    caps = await remote.probeCapabilities();
    for await (const o of remote.list('')) {
      objects++;
      bytes += o.size;
    }
  } finally {
    await remote.close();
  }

  const metaDir = join(root, META_DIR);
  const fresh = existing !== root;
  try {
    await mkdir(metaDir, { recursive: true });
    if (!fresh) await setAsideDatabase(metaDir, config);
    await saveConfig(metaDir, {
      ...config,
      conditionalWrites: caps.conditionalWrites,
      ...(caps.conditionalDeletes !== undefined ? { conditionalDeletes: caps.conditionalDeletes } : {}),
      ...(caps.conditionalCopies !== undefined ? { conditionalCopies: caps.conditionalCopies } : {}),
      versioning: caps.versioning,
    });
  } catch (e) {
    if (fresh) await rm(metaDir, { recursive: true, force: true });
    throw new LsyncError('local-io', `cannot write ${metaDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { root, remote: config.remote, createdBucket, objects, bytes, conditionalWrites: caps.conditionalWrites, versioning: caps.versioning };
}
