/**
 * The optional version capability of a Remote: earlier versions of a path, and reading one.
 *
 * Two sources, one shape:
 * - the service's own versions (S3 with versioning on): ListObjectVersions and GET by VersionId;
 *   a deletion is a version too (a delete marker, `isDelete`);
 * - copies lsync kept itself where the service keeps none (versioning off, s3rver, file://): before
 *   a push overwrites or deletes an object, it is copied server-side (never downloaded) to
 *   `<prefix>/.lsync/versions/<path>/<YYYYMMDDTHHMMSSmmmZ>-<etag>` (`keepVersion`). The current
 *   object is listed as the newest version, so `log` reads the same on every remote.
 *
 * Version ids are stable: the service's VersionId, `kept:<name>` for a kept copy, `current` for the
 * object at the path on a remote whose service keeps no versions.
 */
import type { GetOptions, GetResult, PruneResult, RemoteVersion, VersionRetention } from './remote.js';

/** What a remote implementation delegates its version methods to. */
export interface VersionMethods {
  listVersions(path: string, signal?: AbortSignal): Promise<RemoteVersion[]>;
  getVersion(path: string, id: string, options?: GetOptions): Promise<GetResult>;
  keepVersion(path: string, ifMatch: string, signal?: AbortSignal, size?: number): Promise<string | undefined>;
  pruneVersions(retention: VersionRetention): Promise<PruneResult>;
}

/** Give `remote` the version methods of `impl` (Remote's optional methods are found by presence). */
export function attachVersions(remote: object, impl: VersionMethods): void {
  for (const op of ['listVersions', 'getVersion', 'keepVersion', 'pruneVersions'] as const) {
    Object.defineProperty(remote, op, { value: impl[op].bind(impl), enumerable: false, writable: true, configurable: true });
  }
}

/** The current object, listed as the newest version where the service keeps none (getVersion reads it). */
export const CURRENT_ID = 'current';

// --- Kept copies: where they live and how they are named. ---

/** Kept copies, under the remote's bookkeeping folder. */
export const KEPT_ROOT = '.lsync/versions/';
export const KEPT_ID = 'kept:';

/** `20261206T161500123Z`: sorts by time as text. */
export function keptStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

function parseStamp(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(s);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
  return Number.isFinite(ms) ? ms : undefined;
}

/** The name of a copy of an object with `etag`, kept at `ms`. The ETag keeps two copies of one millisecond apart. */
export function keptName(ms: number, etag: string): string {
  return `${keptStamp(ms)}-${etag.replace(/[^A-Za-z0-9-]/g, '_')}`;
}

/** The repository-relative path (under `.lsync/`) of a kept copy of `path`. */
export function keptPath(path: string, name: string): string {
  return `${KEPT_ROOT}${path}/${name}`;
}

/** Where the kept copies of `path` (or of everything under the folder `path`; '' = all) are. */
export function keptFolder(path: string): string {
  return path === '' ? KEPT_ROOT : `${KEPT_ROOT}${path}/`;
}

export interface KeptRef {
  readonly path: string;
  readonly name: string;
  readonly replacedMs: number;
}

/** A kept copy's repository-relative path (`.lsync/versions/a/b.txt/<name>`) → what it is a copy of. */
export function parseKeptPath(rel: string): KeptRef | undefined {
  if (!rel.startsWith(KEPT_ROOT)) return undefined;
  const rest = rel.slice(KEPT_ROOT.length);
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const name = rest.slice(slash + 1);
  const replacedMs = parseStamp(name.split('-')[0] ?? '');
  if (replacedMs === undefined) return undefined;
  return { path: rest.slice(0, slash), name, replacedMs };
}

/** The kept copy's name in a `kept:` id, or undefined for a service version id. */
export function keptNameOf(id: string): string | undefined {
  if (!id.startsWith(KEPT_ID)) return undefined;
  const name = id.slice(KEPT_ID.length);
  return name !== '' && !name.includes('/') ? name : undefined;
}

/** A kept copy's version, as listVersions reports it. */
export function keptVersion(name: string, size: number, meta: RemoteVersion['metadata'], replacedMs: number): RemoteVersion {
  // The bytes were written before they were replaced: the writer's file mtime tells when.
  return { id: KEPT_ID + name, size, mtimeMs: meta.mtimeMs ?? replacedMs, ...(meta.md5 !== undefined ? { hash: meta.md5 } : {}), metadata: meta, isDelete: false };
}

/**
 * Which kept copies retention deletes (see Remote.pruneVersions): per path, newest first, a copy
 * beyond `keep` or older than `maxAgeMs` goes; if that would take every copy of a path that no
 * longer exists (`exists` is asked only then), its newest stays: the file's only copy.
 */
export async function copiesToDrop(copies: readonly KeptRef[], r: VersionRetention, exists: (path: string) => Promise<boolean>): Promise<KeptRef[]> {
  const byPath = new Map<string, KeptRef[]>();
  for (const c of copies) byPath.set(c.path, [...(byPath.get(c.path) ?? []), c]);
  const drop: KeptRef[] = [];
  for (const [path, list] of byPath) {
    list.sort((a, b) => b.replacedMs - a.replacedMs || (a.name < b.name ? 1 : -1));
    const goes = list.filter((c, i) => i >= r.keep || (r.maxAgeMs !== undefined && r.nowMs - c.replacedMs > r.maxAgeMs));
    if (goes.length === list.length && !(await exists(path))) goes.shift();
    drop.push(...goes);
  }
  return drop;
}
