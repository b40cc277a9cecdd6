/**
 * `.lsync/config.yaml`: the remotes a repository is bound to and the repository's options. Never
 * secrets: credentials come from the standard AWS chain (environment, ~/.aws profiles, SSO, roles).
 *
 *     version: 2
 *     remotes:
 *       origin:                       # the one remote synced both ways (role: sync)
 *         url: s3://bucket/prefix
 *         endpoint: https://s3.example.com
 *       backup:                       # a one-way copy (role: mirror)
 *         url: file:///mnt/nas/photos
 *         role: mirror
 *     conflict: stop
 *
 * Version 1 (one `remote:` and its options at the top) is still read, as the remote `origin`; the
 * first edit that touches a remote rewrites it in the version 2 form (config-edit.ts).
 * Repository options missing here come from the user's defaults (the --global file), then from
 * the built-in defaults in config-keys.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { LsyncError } from '../core/errors.js';
import { REMOTE_KEYS, REPO_KEYS, remoteKey, remoteNameProblem, repoKey, type ConfigValue, type KeySpec } from './config-keys.js';
import { writeFileAtomic } from './atomic.js';
import { settingsProblem, type EncryptionSettings } from '../remote/s3/sse-settings.js';

export { parseSize } from './config-keys.js';

export type ConflictPolicy = 'stop' | 'keep-both' | 'local' | 'remote';
/** `sync`: the remote synced both ways (origin). `mirror`: pushed to, never pulled from. */
export type RemoteRole = 'sync' | 'mirror';

export interface RemoteConfig {
  readonly name: string;
  /** `s3://bucket/prefix` or `file:///abs/dir`, as given to init (normalised). */
  readonly url: string;
  readonly role: RemoteRole;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** The S3 service's kind, where known (lsync doctor records it). */
  readonly provider?: string;
  /** Recorded at init by probing the remote (lsync doctor refreshes it). */
  readonly conditionalWrites?: boolean;
  /** DeleteObject honours If-Match. */
  readonly conditionalDeletes?: boolean;
  /** CopyObject honours the source's If-Match and the target's If-None-Match. */
  readonly conditionalCopies?: boolean;
  readonly versioning?: boolean;
  /** S3 multipart: files at least this large go in parts (bytes). */
  readonly multipartThreshold?: number;
  /** S3 multipart: preferred part size (grown when a file would need more than 10,000 parts). */
  readonly partSize?: number;
  /**
   * S3: bytes of whole-file request bodies (files below the multipart threshold) held in memory at
   * once. Multipart parts are streamed from the file and hold no part-sized buffers.
   */
  readonly partMemory?: number;
  /** S3 server-side encryption of what lsync writes: SSE-S3 (`AES256`) or SSE-KMS (`aws:kms`). */
  readonly sse?: 'AES256' | 'aws:kms';
  /** The KMS key (id, alias or ARN) with `sse: aws:kms`. */
  readonly sseKmsKeyId?: string;
  /** SSE-C: the environment variable holding the base64 of the 32-byte key (never the key). */
  readonly sseCKeyEnv?: string;
}

export interface RepoConfig {
  /** Every remote, the sync remote (origin) first, then mirrors by name. */
  readonly remotes: readonly RemoteConfig[];
  /** The remote synced both ways. */
  readonly origin: RemoteConfig;
  /** origin's URL (for callers that know one remote). */
  readonly remote: string;
  /** What sync does with conflicts when nobody passes --keep: stop (report, exit 3) or settle. */
  readonly conflict: ConflictPolicy;
  /** Share of the files that one run may delete before it refuses (0..1). */
  readonly maxDeleteShare: number;
  /** Also honour the `.gitignore` files in the tree. */
  readonly useGitignore: boolean;
  /** Synchronise symbolic links as links (`--links`); otherwise they are skipped with a warning. */
  readonly links: boolean;
  /** Copies of each file that lsync keeps of what pushes replaced (where the service keeps no versions); 0: none. */
  readonly versionsKeep: number;
  /** Kept copies older than this go (`90d`, `12h`, `never`). */
  readonly versionsMaxAge: string;
  /** `.lsync/trash/` keeps a run's copies this long (`30d`, `never`) ... */
  readonly trashMaxAge: string;
  /** ... and at most this many bytes in all, the oldest runs going first. */
  readonly trashMaxSize: number;
  /** Transfers in flight when --concurrency is not given (parseConfig always sets it; optional for hand-built configs). */
  readonly concurrency?: number;
  /** status/sync may skip the full remote listing when the change feed says nothing changed (--use-feed). */
  readonly feedListing: boolean;
  /** Seconds after which a full listing is due again, feed or not. */
  readonly rescanInterval: number;
}

/** The encryption keys of a remote (init, clone and `remote add` take them from --sse ...). */
export type RemoteEncryption = Pick<RemoteConfig, 'sse' | 'sseKmsKeyId' | 'sseCKeyEnv'>;

/** A remote's encryption settings in the S3 remote's terms (remote/s3/sse.ts). */
export function encryptionSettings(c: RemoteEncryption): EncryptionSettings {
  return {
    ...(c.sse !== undefined ? { sse: c.sse } : {}),
    ...(c.sseKmsKeyId !== undefined ? { kmsKeyId: c.sseKmsKeyId } : {}),
    ...(c.sseCKeyEnv !== undefined ? { customerKeyEnv: c.sseCKeyEnv } : {}),
  };
}

export const CONFIG_FILE = 'config.yaml';
export const ORIGIN = 'origin';

/** YAML key → RemoteConfig field. */
export const REMOTE_FIELDS: Readonly<Record<string, keyof RemoteConfig>> = {
  url: 'url',
  role: 'role',
  endpoint: 'endpoint',
  region: 'region',
  profile: 'profile',
  provider: 'provider',
  conditional_writes: 'conditionalWrites',
  conditional_deletes: 'conditionalDeletes',
  conditional_copies: 'conditionalCopies',
  versioning: 'versioning',
  multipart_threshold: 'multipartThreshold',
  part_size: 'partSize',
  part_memory: 'partMemory',
  sse: 'sse',
  sse_kms_key_id: 'sseKmsKeyId',
  sse_c_key_env: 'sseCKeyEnv',
};

/** YAML key → RepoConfig field. */
export const REPO_FIELDS: Readonly<Record<string, keyof RepoConfig>> = {
  conflict: 'conflict',
  max_delete_share: 'maxDeleteShare',
  use_gitignore: 'useGitignore',
  links: 'links',
  versions_keep: 'versionsKeep',
  versions_max_age: 'versionsMaxAge',
  trash_max_age: 'trashMaxAge',
  trash_max_size: 'trashMaxSize',
  concurrency: 'concurrency',
  feed_listing: 'feedListing',
  rescan_interval: 'rescanInterval',
};

type Bad = (what: string) => never;

function badIn(file: string): Bad {
  return (what) => {
    throw new LsyncError('bad-config', `${file}: ${what}`, 'fix the file by hand, or run `lsync init <remote> --force`');
  };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checked(spec: KeySpec, raw: unknown, where: string, bad: Bad): ConfigValue {
  const v = spec.parse(raw);
  if (v === undefined) bad(`"${where}" must be ${spec.allowed}`);
  return v as ConfigValue;
}

/** `keyPrefix`: how a key of this remote is named in messages ('' for version 1's top-level keys). */
function parseRemote(name: string, o: Record<string, unknown>, bad: Bad, defaultRole: RemoteRole, keyPrefix: string): RemoteConfig {
  const problem = remoteNameProblem(name);
  if (problem !== undefined) bad(problem);
  const out: Record<string, ConfigValue> = { name, role: defaultRole };
  for (const [k, raw] of Object.entries(o)) {
    const spec = remoteKey(k);
    if (spec === undefined) bad(`unknown option "${k}" of remote "${name}"`);
    if (raw === null || raw === undefined) continue;
    out[REMOTE_FIELDS[k] as string] = checked(spec as KeySpec, raw, keyPrefix === '' && k === 'url' ? 'remote' : keyPrefix + k, bad);
  }
  if (out.url === undefined) bad(keyPrefix === '' ? '"remote" is missing' : `remote "${name}" has no "url"`);
  const remote = out as unknown as RemoteConfig;
  const sse = settingsProblem(encryptionSettings(remote));
  if (sse !== undefined) bad(keyPrefix === '' ? sse : `remote "${name}": ${sse}`);
  return remote;
}

/** Version 1: `remote:` and the remote's options at the top → the remote `origin`. */
function parseV1(o: Record<string, unknown>, bad: Bad): RemoteConfig {
  const remote: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'version' || repoKey(k) !== undefined) continue;
    if (k === 'remote') remote.url = v;
    else if (k === 'remotes') bad('"remotes" needs version: 2');
    else if (remoteKey(k) !== undefined && k !== 'url' && k !== 'role') remote[k] = v;
    else bad(`unknown option "${k}"`);
  }
  if (remote.url === undefined) bad('"remote" is missing');
  return parseRemote(ORIGIN, remote, bad, 'sync', '');
}

function parseV2(o: Record<string, unknown>, bad: Bad): RemoteConfig[] {
  for (const k of Object.keys(o)) {
    if (k === 'version' || k === 'remotes' || repoKey(k) !== undefined) continue;
    bad(k === 'remote' ? '"remote" is the version 1 form: in version 2, remotes are listed under "remotes"' : `unknown option "${k}"`);
  }
  const list = o.remotes;
  if (!isMapping(list) || Object.keys(list).length === 0) bad('"remotes" must map each remote\'s name to its options (url: ...)');
  const remotes = Object.entries(list as Record<string, unknown>).map(([name, r]) => {
    if (!isMapping(r)) bad(`remote "${name}" must be a mapping of options (url: ...)`);
    return parseRemote(name, r as Record<string, unknown>, bad, name === ORIGIN ? 'sync' : 'mirror', `remotes.${name}.`);
  });
  const syncing = remotes.filter((r) => r.role === 'sync');
  if (syncing.length !== 1) bad(`exactly one remote must have role: sync (the one synced both ways), not ${syncing.length}`);
  return remotes;
}

/**
 * Validate a parsed config.yaml (`raw`) under the user's defaults (`defaults`, the --global
 * file's repository keys). Throws LsyncError('bad-config') naming `file` and the key.
 */
export function parseConfig(raw: unknown, file: string, defaults: Readonly<Record<string, ConfigValue>> = {}): RepoConfig {
  const bad = badIn(file);
  if (!isMapping(raw)) bad('expected a mapping of options');
  const o = raw as Record<string, unknown>;
  const version = o.version;
  if (version !== 1 && version !== 2) bad(`unsupported version ${JSON.stringify(version)} (this lsync reads versions 1 and 2)`);
  const remotes = version === 1 ? [parseV1(o, bad)] : parseV2(o, bad);
  remotes.sort((a, b) => (a.role === b.role ? (a.name < b.name ? -1 : 1) : a.role === 'sync' ? -1 : 1));
  const origin = remotes[0] as RemoteConfig;
  const cfg: Record<string, unknown> = { remotes, origin, remote: origin.url };
  for (const spec of REPO_KEYS) {
    const raw = o[spec.key];
    cfg[REPO_FIELDS[spec.key] as string] = raw !== undefined && raw !== null ? checked(spec, raw, spec.key, bad) : (defaults[spec.key] ?? spec.fallback);
  }
  return cfg as unknown as RepoConfig;
}

/** `file` parsed as YAML (undefined when it does not exist). */
export async function readYamlFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new LsyncError('bad-config', `cannot read ${file}: ${code ?? String(e)}`, 'restore it, or run `lsync init <remote> --force` here to write a new one');
  }
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0]?.line;
    throw new LsyncError('bad-config', `${file}${line !== undefined ? `:${line}` : ''}: not valid YAML`, 'fix the file by hand, or run `lsync init <remote> --force`');
  }
  return doc.toJS() as unknown;
}

/** The user's defaults (`$XDG_CONFIG_HOME/lsync/config.yaml`, else `~/.config/lsync/config.yaml`). */
export function globalConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : join(env.HOME ?? '/', '.config');
  return join(base, 'lsync', CONFIG_FILE);
}

/** The --global file's repository keys, validated (it holds no remotes). */
export async function loadGlobalDefaults(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, ConfigValue>> {
  const file = globalConfigFile(env);
  const raw = await readYamlFile(file);
  if (raw === undefined || raw === null) return {};
  const bad: Bad = (what) => {
    throw new LsyncError('bad-config', `${file}: ${what}`, 'fix it, or `lsync config unset --global <key>`');
  };
  if (!isMapping(raw)) bad('expected a mapping of options');
  const out: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const spec = repoKey(k);
    if (spec === undefined) bad(`unknown option "${k}" (user defaults hold ${REPO_KEYS.map((s) => s.key).join(', ')})`);
    if (v !== null && v !== undefined) out[k] = checked(spec as KeySpec, v, k, bad);
  }
  return out;
}

export async function loadConfig(metaDir: string, env: NodeJS.ProcessEnv = process.env): Promise<RepoConfig> {
  const file = join(metaDir, CONFIG_FILE);
  const [raw, defaults] = await Promise.all([readYamlFile(file), loadGlobalDefaults(env)]);
  if (raw === undefined) {
    throw new LsyncError('bad-config', `cannot read ${file}: ENOENT`, 'restore it, or run `lsync init <remote> --force` here to write a new one');
  }
  return parseConfig(raw, file, defaults);
}

function remoteYaml(r: RemoteConfig): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const spec of REMOTE_KEYS) {
    const v = r[REMOTE_FIELDS[spec.key] as keyof RemoteConfig];
    if (v === undefined) continue;
    if (spec.key === 'role' && v === (r.name === ORIGIN ? 'sync' : 'mirror')) continue; // the default
    out[spec.key] = v;
  }
  return out;
}

/** A whole config.yaml in the version 2 form (init writes it; later edits keep the user's comments). */
export function formatConfig(cfg: RepoConfig): string {
  const out: Record<string, unknown> = { version: 2, remotes: Object.fromEntries(cfg.remotes.map((r) => [r.name, remoteYaml(r)])) };
  // Built-in defaults are left out, so the user's defaults (--global) apply to this repository.
  for (const spec of REPO_KEYS) {
    const v = cfg[REPO_FIELDS[spec.key] as keyof RepoConfig];
    if (v !== spec.fallback) out[spec.key] = v;
  }
  return (
    '# lsync repository configuration. No secrets here: credentials come from the AWS chain\n' +
    '# (environment, ~/.aws profiles, SSO, instance roles). `lsync config` edits it and keeps comments.\n' +
    YAML.stringify(out, { lineWidth: 0 })
  );
}

/** A config with one remote, origin, and the built-in defaults. */
export function defaultConfig(origin: Omit<RemoteConfig, 'name' | 'role'>): RepoConfig {
  const o: RemoteConfig = { ...origin, name: ORIGIN, role: 'sync' };
  return { remotes: [o], origin: o, remote: o.url, conflict: 'stop', maxDeleteShare: 0.5, useGitignore: false, links: false, versionsKeep: 20, versionsMaxAge: '90d', trashMaxAge: '30d', trashMaxSize: 1024 * 1024 * 1024, concurrency: 16, feedListing: false, rescanInterval: 600 };
}

export async function saveConfig(metaDir: string, cfg: RepoConfig): Promise<void> {
  await writeFileAtomic(join(metaDir, CONFIG_FILE), formatConfig(cfg));
}
