/**
 * `lsync doctor [remote-url]`: what a remote can do, checked on a scratch location under
 * `<prefix>.lsync/doctor-<random>/` that is removed afterwards, and (inside a repository whose
 * remote it is) recorded in config.yaml so that runs take the right path.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LsyncError } from '../core/errors.js';
import type { RemoteOverrides } from '../app/connect.js';
import { checkRemoteUrl } from '../app/init.js';
import { openRepo, type Repo } from '../app/repo.js';
import { openRemote, parseRemoteUrl, type OpenOptions, type RemoteSpec } from '../remote/open.js';
import { resolveEndpoint } from '../remote/s3/client.js';
import { detectProvider } from '../remote/s3/quirks.js';
import { encryptionSettings, type RemoteConfig, type RemoteEncryption } from '../state/config.js';
import { accessChecks, type Probed } from './access.js';
import { feedCheck } from './feed-health.js';
import { Findings, type Finding } from './findings.js';
import { recordFindings } from './record.js';
import { s3After, s3Before, s3Cleanup, type S3Session } from './s3-checks.js';

export interface DoctorRequest {
  /** A remote URL; undefined: the repository's origin. */
  readonly url?: string;
  readonly cwd: string;
  readonly overrides: RemoteOverrides;
  /** --sse, --sse-kms-key-id, --sse-c-key-env: checked instead of the remote's own encryption. */
  readonly encryption?: RemoteEncryption;
  /** Write the findings into config.yaml (not on --dry-run). */
  readonly record: boolean;
}

export interface DoctorReport {
  readonly remote: string;
  /** The provider row used (s3), or `file`. */
  readonly provider: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly findings: readonly Finding[];
  /** The config file the findings were written to, with the keys written. */
  readonly recorded?: { readonly file: string; readonly keys: Readonly<Record<string, boolean | string>> };
}

interface Target {
  readonly url: string;
  readonly spec: RemoteSpec;
  readonly config: RemoteConfig;
  /** Set when the remote is one of this repository's: the findings are recorded there. */
  readonly repo?: Repo;
}

async function target(req: DoctorRequest): Promise<Target> {
  let repo: Repo | undefined;
  try {
    repo = await openRepo(req.cwd);
  } catch (e) {
    if (!(e instanceof LsyncError && e.code === 'not-a-repo') || req.url === undefined) throw e;
  }
  if (req.url === undefined) {
    const config = (repo as Repo).config.origin;
    return { url: config.url, spec: parseRemoteUrl(config.url), config, repo: repo as Repo };
  }
  const url = checkRemoteUrl(req.url);
  const known = repo?.config.remotes.find((r) => r.url === url);
  const config: RemoteConfig = known ?? { name: 'doctor', role: 'sync', url };
  return { url, spec: parseRemoteUrl(url), config, ...(known !== undefined && repo !== undefined ? { repo } : {}) };
}

/** How to open remotes for the checks: the remote's settings, the command line's over them, no retries. */
function openOptions(c: RemoteConfig, o: RemoteOverrides): OpenOptions {
  const endpoint = o.endpoint ?? c.endpoint;
  const region = o.region ?? c.region;
  const profile = o.profile ?? c.profile;
  const provider = o.provider ?? c.provider;
  return {
    concurrency: 2,
    maxAttempts: 1,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(provider !== undefined ? { provider } : {}),
    encryption: encryptionSettings(c),
  };
}

function scratchOf(spec: RemoteSpec, id: string): RemoteSpec {
  if (spec.kind === 'file') return { kind: 'file', root: `${spec.root === '/' ? '' : spec.root}/.lsync/doctor-${id}` };
  return { kind: 's3', bucket: spec.bucket, prefix: `${spec.prefix}.lsync/doctor-${id}/` };
}

/** file://: the directory is there and readable; the scratch folder is made (and `.lsync/` when missing, removed again after). */
async function fileBefore(root: string, scratchRoot: string, f: Findings): Promise<(() => Promise<void>) | undefined> {
  const problem = await stat(root).then(
    (st) => (st.isDirectory() ? undefined : `${root} is not a directory`),
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? `directory ${root} does not exist` : `${root}: ${e.code ?? e.message}`),
  );
  if (problem !== undefined) {
    f.missing('reachable', false, problem, `create the directory (lsync init --create-bucket), or mount the disk it lives on`);
    f.unchecked(['list', 'write', 'read', 'delete', 'conditional_writes', 'conditional_deletes', 'conditional_copies', 'feed'], 'the directory is not there');
    return undefined;
  }
  f.ok('reachable', true, root);
  f.ok('credentials', 'not-needed', 'a local directory');
  const meta = join(root, '.lsync');
  const hadMeta = await stat(meta).then(() => true, () => false);
  try {
    await mkdir(scratchRoot, { recursive: true });
  } catch (e) {
    f.missing('write', false, (e as Error).message, `make ${root} writable for this user`);
    f.unchecked(['list', 'read', 'delete', 'conditional_writes', 'conditional_deletes', 'conditional_copies'], 'no scratch folder');
    return undefined;
  }
  return async () => {
    await rm(hadMeta ? scratchRoot : meta, { recursive: true, force: true });
    const left = await stat(scratchRoot).then(() => true, () => false);
    if (left) f.note('cleanup', false, `${scratchRoot} is still there`, 'remove it by hand');
    else f.ok('cleanup', true, `nothing left in ${hadMeta ? meta : root}`);
  };
}

/** The remote's settings, its encryption replaced by the command line's when given. */
function withEncryption(c: RemoteConfig, e: RemoteEncryption | undefined): RemoteConfig {
  if (e === undefined) return c;
  const { sse: _sse, sseKmsKeyId: _kms, sseCKeyEnv: _c, ...rest } = c;
  return { ...rest, ...e };
}

export async function runDoctor(req: DoctorRequest): Promise<DoctorReport> {
  const t = await target(req);
  let options = openOptions(withEncryption(t.config, req.encryption), req.overrides);
  const scratch = scratchOf(t.spec, randomBytes(6).toString('hex'));
  const f = new Findings();
  let s3: S3Session | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  if (t.spec.kind === 's3') {
    s3 = await s3Before({ bucket: t.spec.bucket, ...options, regionForced: req.overrides.region !== undefined }, t.url, f);
    // The bucket's region, learnt from a redirect: the other checks sign for it from the start.
    const learnt = s3.direct.learntRegion();
    if (learnt !== undefined) options = { ...options, region: learnt };
    if (s3.reachable) cleanup = () => s3Cleanup(s3 as S3Session, (scratch as { bucket: string }).bucket, (scratch as { prefix: string }).prefix, f);
  } else if (scratch.kind === 'file') {
    cleanup = await fileBefore(t.spec.root, scratch.root, f);
  }
  let probed: Probed | undefined;
  if (cleanup !== undefined) {
    try {
      const remote = await openRemote(scratch, options);
      try {
        probed = await accessChecks(remote, f, t.url);
      } finally {
        await remote.close();
      }
      if (s3 !== undefined && scratch.kind === 's3') await s3After(s3, scratch.bucket, scratch.prefix, f);
      else f.ok('versioning', 'off', 'a directory keeps no versions: lsync keeps its own copies');
    } finally {
      await cleanup();
    }
    await feedCheck(t.spec, options, f);
  }
  s3?.direct.client.destroy();
  const learnt = s3?.direct.learntRegion();
  const recorded = req.record && t.repo !== undefined ? await recordFindings(t.repo, t.config, f, probed, learnt) : undefined;
  const endpoint = options.endpoint !== undefined ? resolveEndpoint(options.endpoint) : resolveEndpoint(undefined);
  return {
    remote: t.url,
    provider: t.spec.kind === 'file' ? 'file' : (s3?.direct.quirks.provider ?? detectProvider(endpoint, options.provider)),
    ...(t.spec.kind === 's3' && endpoint !== undefined ? { endpoint } : {}),
    ...(s3?.direct.region !== undefined ? { region: s3.direct.region } : {}),
    findings: f.list(),
    ...(recorded !== undefined ? { recorded } : {}),
  };
}

/** The findings lsync cannot work without. */
export function missing(r: DoctorReport): Finding[] {
  return r.findings.filter((x) => x.level === 'missing');
}
