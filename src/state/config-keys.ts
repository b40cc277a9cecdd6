/**
 * Every key config.yaml may hold, with how its value is checked: one table that the loader, the
 * typed get/set API (config-edit.ts, behind `lsync config`) and error messages all read.
 *
 * Keys are snake_case in YAML. A repository key (`conflict`) is set at the top of config.yaml or,
 * as a user default, in the --global file; a remote key (`endpoint`) belongs to one remote and is
 * named `remote.<name>.<key>` by the API (as git names `remote.origin.url`).
 *
 * Pure: no `node:*` imports.
 */
import { parseRemoteUrl } from '../remote/spec.js';
import { providerNamed, USER_PROVIDERS } from '../remote/s3/providers.js';
import { ENV_NAME, SSE_MODES } from '../remote/s3/sse-settings.js';

export type ConfigValue = string | number | boolean;
export type KeyScope = 'repo' | 'remote';

export interface KeySpec {
  /** The YAML key. */
  readonly key: string;
  readonly scope: KeyScope;
  /** The allowed values, for messages: `one of stop, keep-both, local, remote`. */
  readonly allowed: string;
  /** Value written when the key is absent (repository keys only). */
  readonly fallback?: ConfigValue;
  /** Written as the user typed it (`32M`), not as the parsed value. */
  readonly keepsText?: boolean;
  /** How `config list`/`get` show the fallback of a `keepsText` key (`1G`, not 1073741824). */
  readonly fallbackText?: string;
  /**
   * A value from YAML or from a command line (always a string there) → the stored value, or
   * undefined when it is not allowed.
   */
  parse(raw: unknown): ConfigValue | undefined;
}

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

function oneOf(key: string, scope: KeyScope, values: readonly string[], fallback?: string): KeySpec {
  return {
    key,
    scope,
    allowed: `one of ${values.join(', ')}`,
    ...(fallback !== undefined ? { fallback } : {}),
    parse: (raw) => (typeof raw === 'string' && values.includes(raw) ? raw : undefined),
  };
}

function bool(key: string, scope: KeyScope, fallback?: boolean): KeySpec {
  return {
    key,
    scope,
    allowed: 'true or false',
    ...(fallback !== undefined ? { fallback } : {}),
    parse: (raw) => (typeof raw === 'boolean' ? raw : raw === 'true' ? true : raw === 'false' ? false : undefined),
  };
}

function text(key: string, scope: KeyScope): KeySpec {
  return { key, scope, allowed: 'a non-empty string', parse: (raw) => (typeof raw === 'string' && raw.trim() !== '' ? raw : undefined) };
}

function size(key: string, min: number, max: number): KeySpec {
  return {
    key,
    scope: 'remote',
    allowed: `a size from ${min / MiB} MiB to ${max / MiB} MiB, like 16M`,
    keepsText: true,
    parse: (raw) => {
      const n = parseSize(raw);
      return n !== undefined && n >= min && n <= max ? n : undefined;
    },
  };
}

function number(key: string, scope: KeyScope, min: number, max: number, fallback: number): KeySpec {
  return {
    key,
    scope,
    allowed: `a number from ${min} to ${max}`,
    fallback,
    parse: (raw) => {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return n >= min && n <= max ? n : undefined;
    },
  };
}

const DURATION_UNITS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90d`, `12h`, `2w`, `30m` → ms; `never` → Infinity; undefined when it is neither. */
export function parseDuration(v: unknown): number | undefined {
  if (v === 'never') return Infinity;
  const m = typeof v === 'string' ? /^\s*(\d+)\s*([mhdw])\s*$/.exec(v) : null;
  const unit = m !== null ? DURATION_UNITS[m[2] ?? ''] : undefined;
  return m !== null && unit !== undefined && Number(m[1]) > 0 ? Number(m[1]) * unit : undefined;
}

function duration(key: string, fallback: string): KeySpec {
  return {
    key,
    scope: 'repo',
    allowed: 'a duration like 90d, 12h, 2w or never',
    fallback,
    parse: (raw) => (parseDuration(raw) !== undefined ? String(raw).trim() : undefined),
  };
}

/** A repository key holding a size, written as the user typed it (`1G`). */
function repoSize(key: string, fallbackText: string): KeySpec {
  return {
    key,
    scope: 'repo',
    allowed: 'a size like 1G, 500M or 20G',
    fallback: parseSize(fallbackText) ?? 0,
    fallbackText,
    keepsText: true,
    parse: parseSize,
  };
}

function wholeNumber(raw: unknown, min: number, max: number): number | undefined {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

/**
 * A prefix segment that is empty, `.` or `..` (`s3://bkt/pre//x`, `s3://bkt/../x`) names keys no
 * tool shows the same way: refused wherever a remote URL is typed or read.
 */
export function remoteUrlProblem(url: string): string | undefined {
  let spec;
  try {
    spec = parseRemoteUrl(url);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (spec.kind !== 's3') return undefined;
  const body = spec.prefix.replace(/\/$/, '');
  if (body === '') return undefined;
  const bad = body.split('/').find((s) => s === '' || s === '.' || s === '..');
  if (bad === undefined) return undefined;
  return `remote "${url}" has ${bad === '' ? 'an empty' : `a "${bad}"`} segment in its prefix`;
}

const url: KeySpec = {
  key: 'url',
  scope: 'remote',
  allowed: 's3://bucket/prefix, bucket/prefix or file:///absolute/path',
  parse: (raw) => (typeof raw === 'string' && remoteUrlProblem(raw) === undefined ? raw.trim() : undefined),
};

export const CONFLICT_POLICIES = ['stop', 'keep-both', 'local', 'remote'] as const;
export const REMOTE_ROLES = ['sync', 'mirror'] as const;

/** Keys at the top of config.yaml (and in the --global file). */
export const REPO_KEYS: readonly KeySpec[] = [
  oneOf('conflict', 'repo', CONFLICT_POLICIES, 'stop'),
  number('max_delete_share', 'repo', 0, 1, 0.5),
  bool('use_gitignore', 'repo', false),
  bool('links', 'repo', false),
  // History (history/retention.ts): copies lsync keeps of what a push replaces, per file; 0 keeps none.
  number('versions_keep', 'repo', 0, 100_000, 20),
  duration('versions_max_age', '90d'),
  // What pulls replaced or deleted here, kept in .lsync/trash/: pruned at the end of a run.
  duration('trash_max_age', '30d'),
  repoSize('trash_max_size', '1G'),
  // Transfers in flight when --concurrency is not given (the same range as --concurrency).
  { ...number('concurrency', 'repo', 1, 1024, 16), allowed: 'a whole number from 1 to 1024', parse: (raw) => wholeNumber(raw, 1, 1024) },
  // status/sync may trust the change feed instead of listing the remote (app/feed-listing.ts).
  bool('feed_listing', 'repo', false),
  // Seconds a full listing stays good enough for the feed shortcut (watch's --rescan default).
  number('rescan_interval', 'repo', 5, 7 * 24 * 3600, 600),
];

/** Keys of one remote (under `remotes.<name>`). */
export const REMOTE_KEYS: readonly KeySpec[] = [
  url,
  oneOf('role', 'remote', REMOTE_ROLES),
  text('endpoint', 'remote'),
  text('region', 'remote'),
  text('profile', 'remote'),
  {
    key: 'provider',
    scope: 'remote',
    allowed: `one of ${USER_PROVIDERS.join(', ')}`,
    // Aliases (cloudflare, generic, ...) are read as their canonical row, which is what is written.
    parse: (raw) => (typeof raw === 'string' ? providerNamed(raw) : undefined),
  },
  bool('conditional_writes', 'remote'),
  bool('conditional_deletes', 'remote'),
  bool('conditional_copies', 'remote'),
  bool('versioning', 'remote'),
  size('multipart_threshold', 5 * MiB, 5 * 1024 * MiB),
  size('part_size', 5 * MiB, 5 * 1024 * MiB),
  size('part_memory', 5 * MiB, 64 * 1024 * MiB),
  // Server-side encryption (remote/s3/sse.ts): SSE-S3 or SSE-KMS, or SSE-C with the key in an
  // environment variable named here (the key itself is never written to the config).
  oneOf('sse', 'remote', SSE_MODES),
  text('sse_kms_key_id', 'remote'),
  {
    key: 'sse_c_key_env',
    scope: 'remote',
    allowed: 'the name of an environment variable (letters, digits, _) holding the base64 SSE-C key, not the key itself',
    parse: (raw) => (typeof raw === 'string' && ENV_NAME.test(raw.trim()) ? raw.trim() : undefined),
  },
];

export function repoKey(key: string): KeySpec | undefined {
  return REPO_KEYS.find((k) => k.key === key);
}

export function remoteKey(key: string): KeySpec | undefined {
  return REMOTE_KEYS.find((k) => k.key === key);
}

/** Remote names become folder names under `.lsync/remotes/`: letters, digits, `.`, `_`, `-`. */
export function remoteNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    return `remote name "${name}" must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`;
  }
  return undefined;
}
