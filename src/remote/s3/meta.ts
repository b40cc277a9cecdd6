/**
 * lsync's per-object metadata as S3 user metadata (`x-amz-meta-*` headers).
 *
 *   x-amz-meta-lsync-md5    lowercase hex MD5 of the content (32 chars)
 *   x-amz-meta-lsync-mtime  file mtime in ms since the epoch, decimal; may carry a fraction
 *   x-amz-meta-lsync-mode   permission bits in OCTAL without prefix, e.g. `644` or `1755`
 *                           (octal because that is how people read modes in any S3 browser)
 *   x-amz-meta-lsync-link   `1`: the object is a symbolic link, its body the target (`--links`).
 *                           The key stays the path, byte for byte (rclone instead appends
 *                           `.rclonelink` to the name); the marker is what tells it from a file.
 *   x-amz-meta-lsync-host   the writer's host name, URI-encoded (headers carry ASCII only)
 *   x-amz-meta-lsync-user   the writer's user name, URI-encoded
 *
 * Values written by other tools are validated: anything malformed is ignored, not trusted.
 */
import type { ObjectMeta } from '../remote.js';

export const META_MD5 = 'lsync-md5';
export const META_MTIME = 'lsync-mtime';
export const META_MODE = 'lsync-mode';
export const META_LINK = 'lsync-link';
export const META_HOST = 'lsync-host';
export const META_USER = 'lsync-user';
/** Longest host or user name kept: S3 allows 2 KiB of user metadata in all. */
const MAX_NAME = 200;

function encodeName(name: string): string | undefined {
  const v = encodeURIComponent(name.slice(0, MAX_NAME));
  return v === '' ? undefined : v;
}

function decodeName(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return decodeURIComponent(value).slice(0, MAX_NAME);
  } catch {
    return undefined;
  }
}

/** ObjectMeta → the SDK's `Metadata` map (keys without the `x-amz-meta-` prefix). */
export function encodeMeta(meta: ObjectMeta): Record<string, string> {
  const out: Record<string, string> = {};
  if (meta.md5 !== undefined) out[META_MD5] = meta.md5.toLowerCase();
  if (meta.mtimeMs !== undefined && Number.isFinite(meta.mtimeMs)) out[META_MTIME] = String(meta.mtimeMs);
  if (meta.mode !== undefined) out[META_MODE] = (meta.mode & 0o7777).toString(8);
  if (meta.link === true) out[META_LINK] = '1';
  const host = meta.host !== undefined ? encodeName(meta.host) : undefined;
  const user = meta.user !== undefined ? encodeName(meta.user) : undefined;
  if (host !== undefined) out[META_HOST] = host;
  if (user !== undefined) out[META_USER] = user;
  return out;
}

/** The SDK's `Metadata` map (lowercase keys) → ObjectMeta, dropping malformed values. */
export function decodeMeta(metadata: Record<string, string> | undefined): ObjectMeta {
  if (metadata === undefined) return {};
  const md5 = metadata[META_MD5]?.toLowerCase();
  const mtime = metadata[META_MTIME];
  const mode = metadata[META_MODE];
  const mtimeMs = mtime !== undefined && /^\d+(\.\d+)?$/.test(mtime) ? Number(mtime) : undefined;
  const modeBits = mode !== undefined && /^[0-7]{1,6}$/.test(mode) ? parseInt(mode, 8) & 0o7777 : undefined;
  return {
    ...(md5 !== undefined && /^[0-9a-f]{32}$/.test(md5) ? { md5 } : {}),
    ...(mtimeMs !== undefined && Number.isFinite(mtimeMs) ? { mtimeMs } : {}),
    ...(modeBits !== undefined ? { mode: modeBits } : {}),
    ...(metadata[META_LINK] === '1' ? { link: true } : {}),
    ...named('host', decodeName(metadata[META_HOST])),
    ...named('user', decodeName(metadata[META_USER])),
  };
}

/** Strip the quotes S3 puts around ETags. */
export function unquoteEtag(etag: string | undefined): string {
  if (etag === undefined) return '';
  return etag.startsWith('"') && etag.endsWith('"') && etag.length >= 2 ? etag.slice(1, -1) : etag;
}

/** ETags go back to S3 quoted, as the HTTP spec says (servers differ in whether they accept bare ones). */
export function quoteEtag(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

function named<K extends 'host' | 'user'>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value !== undefined ? { [key]: value } : {}) as { [P in K]?: string };
}
