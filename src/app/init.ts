/**
 * `lsync init <remote> [dir]`: check the remote, record what it supports, mark it, write `.lsync/`.
 * Nothing is written locally until the remote has answered, so a typo leaves no half-made
 * repository; `--dry-run` writes nothing anywhere (no bucket, no marker, no `.lsync/`).
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LsyncError } from '../core/errors.js';
import { META_DIR } from '../core/paths.js';
import { RemoteError } from '../remote/remote.js';
import { displayRemote, parseRemoteUrl, type OpenedRemote, type ProbedCapabilities } from '../remote/open.js';
import { defaultConfig, loadConfig, ORIGIN, saveConfig, type RemoteConfig, type RemoteEncryption } from '../state/config.js';
import { setRemoteOptions } from '../state/config-edit.js';
import { remoteUrlProblem } from '../state/config-keys.js';
import { migrateLayout, remoteStateDir } from '../state/layout.js';
import { acquireLock } from '../state/lock.js';
import { readRemoteState, updateRemoteState } from '../state/remote-state.js';
import { stamp } from '../exec/localfs.js';
import { connect, type RemoteOverrides } from './connect.js';
import { newMarker, readMarker, writeMarker, type RepoMarker } from './marker.js';
import { findRepoRoot } from './repo.js';

export interface InitRequest {
  readonly remote: string;
  readonly dir: string;
  readonly cwd: string;
  readonly createBucket: boolean;
  readonly force: boolean;
  readonly overrides: RemoteOverrides;
  /** --sse, --sse-kms-key-id, --sse-c-key-env: recorded as origin's (used by the probe and the marker already). */
  readonly encryption?: RemoteEncryption;
  readonly concurrency: number;
  /** Check and report, change nothing. */
  readonly dryRun?: boolean;
}

export interface InitResult {
  readonly root: string;
  readonly remote: string;
  /** The bucket was created (or, on a dry run, would be). */
  readonly createdBucket: boolean;
  readonly objects: number;
  readonly bytes: number;
  readonly conditionalWrites: boolean;
  readonly versioning: boolean;
  readonly dryRun: boolean;
}

/** A remote URL as typed → its normalised form; a usage error naming the URL otherwise. */
export function checkRemoteUrl(input: string): string {
  const problem = remoteUrlProblem(input);
  if (problem !== undefined) {
    throw new LsyncError('usage', problem, 'write it as s3://bucket/prefix (no empty, "." or ".." segments), bucket/prefix or file:///abs/dir');
  }
  return displayRemote(parseRemoteUrl(input));
}

interface Probed {
  readonly createdBucket: boolean;
  readonly objects: number;
  readonly bytes: number;
  readonly caps: ProbedCapabilities;
  /** The marker the remote carries (now, or after this init writes it). */
  readonly marker?: RepoMarker;
  readonly markerWasThere: boolean;
}

/** Check the remote (creating the bucket if asked), probe it, count what it holds, mark it. */
async function probe(remote: OpenedRemote, url: string, req: InitRequest): Promise<Probed> {
  const dry = req.dryRun === true;
  let createdBucket = false;
  try {
    await remote.check();
  } catch (e) {
    if (!(e instanceof RemoteError && e.kind === 'no-bucket' && req.createBucket)) throw e;
    if (dry) return { createdBucket: true, objects: 0, bytes: 0, caps: remote.capabilities, markerWasThere: false };
    await remote.createBucket();
    createdBucket = true;
    await remote.check();
  }
  // The probe writes and removes an object: a dry run keeps the defaults instead.
  const caps = dry ? remote.capabilities : await remote.probeCapabilities();
  let objects = 0;
  let bytes = 0;
  for await (const o of remote.list('')) {
    objects++;
    bytes += o.size;
  }
  const found = await readMarker(url, remote);
  if (found !== undefined || dry) return { createdBucket, objects, bytes, caps, ...(found !== undefined ? { marker: found } : {}), markerWasThere: found !== undefined };
  const marker = newMarker();
  await writeMarker(url, remote, marker);
  return { createdBucket, objects, bytes, caps, marker, markerWasThere: false };
}

/**
 * Re-binding: the database describes what this repository last synced with origin. Kept when origin
 * is the same place carrying the same marker; otherwise moved aside (never deleted), so the first
 * sync adopts identical files, reports differing ones as conflicts, and deletes nothing.
 */
async function setAsideDatabase(metaDir: string, origin: RemoteConfig, marker: RepoMarker | undefined): Promise<void> {
  let old: RemoteConfig | undefined;
  try {
    old = (await loadConfig(metaDir)).origin;
  } catch {
    old = undefined;
  }
  const stateDir = remoteStateDir(metaDir, ORIGIN);
  const known = (await readRemoteState(stateDir)).markerId;
  const same = old !== undefined && old.url === origin.url && old.endpoint === origin.endpoint && (known === undefined || known === marker?.id);
  if (same) return;
  const label = (old?.url ?? 'unknown').replace(/[^A-Za-z0-9._-]+/g, '_');
  const aside = join(metaDir, 'trash', `${stamp(new Date())}-database-of-${label}`);
  await mkdir(join(metaDir, 'trash'), { recursive: true });
  await rename(stateDir, aside).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

async function ensureDirectory(root: string, dry: boolean): Promise<void> {
  try {
    const st = await stat(root);
    if (!st.isDirectory()) throw new LsyncError('usage', `${root}: not a directory`);
  } catch (e) {
    if (e instanceof LsyncError) throw e;
    if (!dry) await mkdir(root, { recursive: true });
  }
}

export async function runInit(req: InitRequest): Promise<InitResult> {
  const url = checkRemoteUrl(req.remote);
  const dry = req.dryRun === true;
  const root = resolve(req.cwd, req.dir);
  const existing = await findRepoRoot(root);
  if (existing !== undefined && !req.force) {
    throw new LsyncError(
      'already-a-repo',
      existing === root ? `${root} is already an lsync repository` : `${root} is inside the lsync repository at ${existing}`,
      existing === root ? 'pass --force to bind it to another remote (the database is kept)' : 'pass --force to make a nested repository (the parent then leaves it alone)',
    );
  }
  await ensureDirectory(root, dry);

  const { origin } = defaultConfig({
    url,
    ...(req.overrides.endpoint !== undefined ? { endpoint: req.overrides.endpoint } : {}),
    ...(req.overrides.region !== undefined ? { region: req.overrides.region } : {}),
    ...(req.overrides.profile !== undefined ? { profile: req.overrides.profile } : {}),
    ...(req.overrides.provider !== undefined ? { provider: req.overrides.provider } : {}),
    ...req.encryption,
  });
  // A redirect to the bucket's region is followed and recorded with the rest (not with --region).
  let learnt: string | undefined;
  const remote = await connect(origin, req.overrides.region !== undefined ? { region: req.overrides.region } : {}, req.concurrency, (r) => (learnt = r));
  let p: Probed;
  try {
    p = await probe(remote, url, req);
  } finally {
    await remote.close();
  }
  const result: InitResult = { root, remote: url, createdBucket: p.createdBucket, objects: p.objects, bytes: p.bytes, conditionalWrites: p.caps.conditionalWrites, versioning: p.caps.versioning, dryRun: dry };
  if (dry) return result;

  const bound: RemoteConfig = {
    ...origin,
    ...(learnt !== undefined ? { region: learnt } : {}),
    conditionalWrites: p.caps.conditionalWrites,
    ...(p.caps.conditionalDeletes !== undefined ? { conditionalDeletes: p.caps.conditionalDeletes } : {}),
    ...(p.caps.conditionalCopies !== undefined ? { conditionalCopies: p.caps.conditionalCopies } : {}),
    versioning: p.caps.versioning,
  };
  const metaDir = join(root, META_DIR);
  if (existing === root) await rebind(metaDir, bound, p.marker);
  else await writeFresh(metaDir, bound);
  if (p.marker !== undefined) await updateRemoteState(remoteStateDir(metaDir, ORIGIN), { markerId: p.marker.id });
  return result;
}

async function writeFresh(metaDir: string, origin: RemoteConfig): Promise<void> {
  try {
    await mkdir(metaDir, { recursive: true });
    const base = defaultConfig(origin);
    await saveConfig(metaDir, base);
  } catch (e) {
    await rm(metaDir, { recursive: true, force: true });
    throw new LsyncError('local-io', `cannot write ${metaDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** `init --force` in a repository: the origin's options are replaced in place (comments and mirrors stay). */
async function rebind(metaDir: string, origin: RemoteConfig, marker: RepoMarker | undefined): Promise<void> {
  const lock = await acquireLock(metaDir, 'init');
  try {
    await migrateLayout(metaDir);
    await setAsideDatabase(metaDir, origin, marker);
    try {
      await setRemoteOptions(metaDir, (await loadConfig(metaDir)).origin.name, {
        url: origin.url,
        endpoint: origin.endpoint,
        region: origin.region,
        profile: origin.profile,
        provider: origin.provider,
        conditional_writes: origin.conditionalWrites,
        conditional_deletes: origin.conditionalDeletes,
        conditional_copies: origin.conditionalCopies,
        versioning: origin.versioning,
        // Like endpoint and region: what this init was given (and probed with) replaces the old.
        sse: origin.sse,
        sse_kms_key_id: origin.sseKmsKeyId,
        sse_c_key_env: origin.sseCKeyEnv,
      });
    } catch (e) {
      if (!(e instanceof LsyncError && e.code === 'bad-config')) throw e;
      await saveConfig(metaDir, defaultConfig(origin)); // unreadable before: written anew
    }
  } finally {
    await lock.release();
  }
}
