/**
 * `.lsync/config.yaml`: the binding to a remote and the repository's options. Never secrets:
 * credentials come from the standard AWS chain (environment, ~/.aws profiles, SSO, roles).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { LsyncError } from '../core/errors.js';
import { writeFileAtomic } from './atomic.js';

export type ConflictPolicy = 'stop' | 'keep-both' | 'local' | 'remote';
const POLICIES: readonly ConflictPolicy[] = ['stop', 'keep-both', 'local', 'remote'];

export interface RepoConfig {
  readonly version: 1;
  /** `s3://bucket/prefix/` or `file:///abs/dir`, as given to init (normalised). */
  readonly remote: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** What sync does with conflicts when nobody passes --keep: stop (report, exit 3) or settle. */
  readonly conflict: ConflictPolicy;
  /** Share of the files that one run may delete before it refuses (0..1). */
  readonly maxDeleteShare: number;
  /** Also honour the `.gitignore` files in the tree. */
  readonly useGitignore: boolean;
  /** Synchronise symbolic links as links (`--links`); otherwise they are skipped with a warning. */
  readonly links: boolean;
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
}

export const CONFIG_FILE = 'config.yaml';

export function defaultConfig(remote: string): RepoConfig {
  return { version: 1, remote, conflict: 'stop', maxDeleteShare: 0.5, useGitignore: false, links: false };
}

/** YAML keys are snake_case, as in most tools' config files. */
const KEYS = {
  version: 'version',
  remote: 'remote',
  endpoint: 'endpoint',
  region: 'region',
  profile: 'profile',
  conflict: 'conflict',
  maxDeleteShare: 'max_delete_share',
  useGitignore: 'use_gitignore',
  links: 'links',
  conditionalWrites: 'conditional_writes',
  conditionalDeletes: 'conditional_deletes',
  conditionalCopies: 'conditional_copies',
  versioning: 'versioning',
  multipartThreshold: 'multipart_threshold',
  partSize: 'part_size',
  partMemory: 'part_memory',
} as const;

const MiB = 1024 * 1024;

/** `16M`, `512K`, `1G`, `1.5M` or a plain number of bytes (K, M, G = 1024 multiples). */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*$/i.exec(v);
  if (m === null) return undefined;
  const unit = { '': 1, K: 1024, M: MiB, G: 1024 * MiB }[(m[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G'];
  const n = Math.round(Number(m[1]) * unit);
  return n > 0 ? n : undefined;
}

export async function loadConfig(metaDir: string): Promise<RepoConfig> {
  const file = join(metaDir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new LsyncError('bad-config', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'restore it, or run `lsync init <remote> --force` here to write a new one');
  }
  let raw: unknown;
  try {
    raw = yaml.load(text);
  } catch (e) {
    const mark = (e as { mark?: { line?: number } }).mark;
    const where = mark?.line !== undefined ? `:${mark.line + 1}` : '';
    throw new LsyncError('bad-config', `${file}${where}: not valid YAML`, 'fix the file by hand, or run `lsync init <remote> --force`');
  }
  return parseConfig(raw, file);
}

export function parseConfig(raw: unknown, file: string): RepoConfig {
  const bad = (what: string): never => {
    throw new LsyncError('bad-config', `${file}: ${what}`, 'fix the file by hand, or run `lsync init <remote> --force`');
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('expected a mapping of options');
  const o = raw as Record<string, unknown>;
  const known = new Set<string>(Object.values(KEYS));
  for (const k of Object.keys(o)) if (!known.has(k)) bad(`unknown option "${k}"`);
  if (o[KEYS.version] !== 1) bad(`unsupported version ${JSON.stringify(o[KEYS.version])} (this lsync reads version 1)`);
  const str = (k: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null) {
      if (required) bad(`"${k}" is missing`);
      return undefined;
    }
    if (typeof v !== 'string' || v === '') bad(`"${k}" must be a non-empty string`);
    return v as string;
  };
  const bool = (k: string): boolean | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') bad(`"${k}" must be true or false`);
    return v as boolean;
  };
  const remote = str(KEYS.remote, true) as string;
  const conflict = str(KEYS.conflict, false) ?? 'stop';
  if (!POLICIES.includes(conflict as ConflictPolicy)) bad(`"conflict" must be one of ${POLICIES.join(', ')}`);
  const share = o[KEYS.maxDeleteShare] ?? 0.5;
  if (typeof share !== 'number' || !(share >= 0 && share <= 1)) bad(`"${KEYS.maxDeleteShare}" must be a number from 0 to 1`);

  const cfg: { -readonly [K in keyof RepoConfig]: RepoConfig[K] } = {
    version: 1,
    remote,
    conflict: conflict as ConflictPolicy,
    maxDeleteShare: share as number,
    useGitignore: bool(KEYS.useGitignore) ?? false,
    links: bool(KEYS.links) ?? false,
  };
  const endpoint = str(KEYS.endpoint, false);
  if (endpoint !== undefined) cfg.endpoint = endpoint;
  const region = str(KEYS.region, false);
  if (region !== undefined) cfg.region = region;
  const profile = str(KEYS.profile, false);
  if (profile !== undefined) cfg.profile = profile;
  const cw = bool(KEYS.conditionalWrites);
  if (cw !== undefined) cfg.conditionalWrites = cw;
  const size = (k: string, min: number, max: number): number | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return undefined;
    const n = parseSize(v);
    if (n === undefined || n < min || n > max) bad(`"${k}" must be a size from ${min / MiB} MiB to ${max / MiB} MiB, like 16M`);
    return n;
  };
  const threshold = size(KEYS.multipartThreshold, 5 * MiB, 5 * 1024 * MiB);
  if (threshold !== undefined) cfg.multipartThreshold = threshold;
  const part = size(KEYS.partSize, 5 * MiB, 5 * 1024 * MiB);
  if (part !== undefined) cfg.partSize = part;
  const mem = size(KEYS.partMemory, 5 * MiB, 64 * 1024 * MiB);
  if (mem !== undefined) cfg.partMemory = mem;
  const cd = bool(KEYS.conditionalDeletes);
  if (cd !== undefined) cfg.conditionalDeletes = cd;
  const cc = bool(KEYS.conditionalCopies);
  if (cc !== undefined) cfg.conditionalCopies = cc;
  const ver = bool(KEYS.versioning);
  if (ver !== undefined) cfg.versioning = ver;
  return cfg;
}

export function formatConfig(cfg: RepoConfig): string {
  const out: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(KEYS)) {
    const v = (cfg as unknown as Record<string, unknown>)[field];
    if (v !== undefined) out[key] = v;
  }
  return (
    '# lsync repository configuration. No secrets here: credentials come from the AWS chain\n' +
    '# (environment, ~/.aws profiles, SSO, instance roles).\n' +
    yaml.dump(out, { lineWidth: -1 })
  );
}

export async function saveConfig(metaDir: string, cfg: RepoConfig): Promise<void> {
  await writeFileAtomic(join(metaDir, CONFIG_FILE), formatConfig(cfg));
}
