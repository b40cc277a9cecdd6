/**
 * The Remote interface: the only way lsync talks to where files are kept.
 *
 * This comment is the specification. Implementations: `s3/` (any S3-compatible service) and
 * `file/` (a plain directory). One contract test suite (test/remote-contract/) runs against every
 * implementation and every server; wrappers (retry, fault injection, dry-run) implement it too.
 *
 * Addressing: every method takes a repository-relative `path` (see core/paths.ts); the
 * implementation maps it to its own key (S3: `prefix + path`). Keys under the remote are
 * byte-exact: no normalisation, no escaping visible to callers.
 *
 * Errors: every failure is a `RemoteError` with a `kind`; no SDK or fs error type leaks out.
 * Credentials never appear in a message.
 */
import type { Readable } from 'node:stream';

export type RemoteErrorKind =
  | 'not-found' // the object (or bucket, for check()) does not exist
  | 'precondition' // a conditional request failed: the object is not what the caller expected
  | 'auth' // credentials missing, refused or not allowed to do this
  | 'no-bucket' // the bucket does not exist
  | 'transient' // throttling, 5xx, network reset/timeout: worth retrying
  | 'unsupported' // the service does not implement this request (501): the caller may fall back
  | 'permanent'; // anything else: retrying will not help

/**
 * How messages name an operation: `get "a/b.txt" in s3://bucket/prefix`, or `list s3://bucket/prefix`
 * for the whole repository (the empty path). Every remote and wrapper words its errors this way.
 */
export function describeOp(op: string, path: string | undefined, display: string): string {
  return path !== undefined && path !== '' ? `${op} "${path}" in ${display}` : `${op} ${display}`;
}

export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly kind: RemoteErrorKind,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Metadata lsync keeps with each object (S3: `x-amz-meta-lsync-*` headers). */
export interface ObjectMeta {
  /** Content MD5, lowercase hex. */
  readonly md5?: string;
  /** File mtime, ms since epoch. */
  readonly mtimeMs?: number;
  /** Permission bits. */
  readonly mode?: number;
  /**
   * The object stands for a symbolic link: its body is the link's target, byte for byte
   * (S3: `x-amz-meta-lsync-link: 1`). Only written and honoured with `--links`.
   */
  readonly link?: boolean;
  /** Who wrote this version (history, `lsync log`): the writer's host name and user name. */
  readonly host?: string;
  readonly user?: string;
}

/** One object, as listing or stat saw it. */
export interface RemoteObject {
  /** Repository-relative path (the key with the prefix removed). Not validated: see `listing problems`. */
  readonly path: string;
  readonly size: number;
  /** Entity tag without quotes. */
  readonly etag: string;
  readonly lastModifiedMs: number;
  readonly versionId?: string;
  /** Only from stat() (HEAD); listings do not carry metadata. */
  readonly meta?: ObjectMeta;
}

/**
 * What the caller already knows about a listing, so a remote can list faster. Only a hint: the
 * listing is the same with or without it, whatever it holds.
 */
export interface ListHints {
  /**
   * Paths the caller expects to find (the last synced state), best in byte order (the database's
   * own). A remote whose listing comes in pages may cut the key space at some of them and list the
   * ranges side by side (s3/list-parallel.ts `listRanges`). `keys()` is called afresh for each listing.
   */
  readonly known?: { keys(): Iterable<string> };
  /**
   * The caller does not need byte order (it files objects by path). A remote whose service lists
   * in another order (s3rver) then hands out each page as it arrives instead of sorting the whole
   * listing first, so the caller's work on a page overlaps the wait for the next one.
   */
  readonly anyOrder?: boolean;
}

export interface Capabilities {
  /** PutObject honours If-Match / If-None-Match (412 on mismatch). */
  readonly conditionalWrites: boolean;
  /** The service keeps object versions. */
  readonly versioning: boolean;
  /** Server-side copy within the remote. */
  readonly serverSideCopy: boolean;
  /**
   * false: a single-part object's ETag is not the MD5 of its bytes even when it looks like one (S3
   * with SSE-KMS or SSE-C, s3/sse.ts), so content is identified by lsync's own metadata (`md5`)
   * only. Absent or true: a 32-hex ETag is the content's MD5.
   */
  readonly etagIsMd5?: boolean;
}

/** What put() sends: a whole local file (read by the implementation, possibly in parallel parts) or bytes. */
export type PutSource =
  | { readonly kind: 'file'; readonly file: string; readonly size: number }
  | { readonly kind: 'bytes'; readonly data: Uint8Array };

export interface PutOptions {
  readonly meta: ObjectMeta;
  /**
   * Write only if the current object has this ETag (S3 If-Match). With `ifNoneMatch`, write only
   * if no object exists (S3 If-None-Match: *). Where the service lacks conditional writes the
   * implementation checks with a HEAD just before the write (a narrow race, documented).
   * A mismatch throws RemoteError('precondition').
   */
  readonly ifMatch?: string;
  readonly ifNoneMatch?: boolean;
  /** The size of the object `ifMatch` names, where known: history keeps it without asking (keepVersion). */
  readonly replacedSize?: number;
  /** Called with the number of bytes just sent (increments). */
  readonly onProgress?: (bytes: number) => void;
  /**
   * Pacing (bandwidth limits, see wrap/bwlimit.ts): when present, the implementation awaits
   * `throttle(n)` before sending (or writing) each slice of n bytes of the body, slices of at most
   * 64 KiB, on every attempt including the service client's own retries. A rejection (abort) fails
   * the put.
   */
  readonly throttle?: (bytes: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Resumable uploads. Where the implementation uploads in parts (S3 multipart), it calls
   * `resume.load()` first: a checkpoint saved by an earlier, interrupted put of the same path and
   * the same local content is continued (its parts verified with ListParts where the service has it,
   * else trusted from the recorded ETags) instead of starting again. It calls `resume.save()` after
   * each finished part (the caller persists it durably), and `resume.clear()` once the object is
   * complete or the checkpoint proved unusable (after aborting that upload). Implementations that
   * write in one piece ignore it.
   */
  readonly resume?: UploadCheckpointStore;
  /**
   * The MD5 of each part, computed by the caller beside the whole-file MD5 (`meta.md5`) from the
   * same file: where the implementation uploads in parts of exactly `partSize` (see
   * `Remote.partSizeFor`), each part's ETag is checked against these instead of hashing the part
   * again while it is sent. Ignored otherwise.
   */
  readonly partMd5s?: PartDigests;
  readonly signal?: AbortSignal;
}

/** MD5s (lowercase hex) of consecutive parts of `partSize` bytes (the last one shorter). */
export interface PartDigests {
  readonly partSize: number;
  readonly md5s: readonly string[];
}

/** What a resumable upload needs to continue: opaque to callers, owned by the implementation. */
export interface UploadCheckpoint {
  /** Implementation-defined, JSON-serialisable (e.g. upload id, part size, part ETags). */
  readonly state: unknown;
}

/** Storage for one put's checkpoint, provided by the caller (lsync keeps them under `.lsync/`). */
export interface UploadCheckpointStore {
  load(): Promise<UploadCheckpoint | undefined>;
  save(checkpoint: UploadCheckpoint): Promise<void>;
  clear(): Promise<void>;
}

export interface PutResult {
  readonly etag: string;
  readonly versionId?: string;
}

export interface GetOptions {
  /** Byte range, inclusive start, exclusive end (undefined end = to the end). */
  readonly start?: number;
  readonly end?: number;
  /** Read only if the object still has this ETag; otherwise RemoteError('precondition'). */
  readonly ifMatch?: string;
  readonly signal?: AbortSignal;
}

export interface GetResult {
  readonly body: Readable;
  readonly object: RemoteObject;
}

export interface CopyOptions {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: boolean;
  readonly size?: number;
  readonly signal?: AbortSignal;
}

/**
 * One version of an object, as `listVersions()` reports it. A version is what a write left behind
 * (S3 object versions where the bucket keeps them; copies the implementation kept elsewhere), and
 * a delete marker is a version too: the point where the object was deleted.
 */
export interface RemoteVersion {
  /** Stable, opaque id (S3 VersionId): what `getVersion()` takes. */
  readonly id: string;
  /** Bytes (0 for a delete marker). */
  readonly size: number;
  /** When this version was written (S3 LastModified), ms since the epoch. */
  readonly mtimeMs: number;
  /** Content MD5, lowercase hex, where the listing tells it (a plain ETag or lsync's metadata). */
  readonly hash?: string;
  /** lsync's metadata of this version, where known ({} where the listing does not carry it). */
  readonly metadata: ObjectMeta;
  /** A delete marker: no content, the object was deleted here. */
  readonly isDelete: boolean;
}

/** How many of lsync's kept copies stay (`pruneVersions`). */
export interface VersionRetention {
  /** Kept copies of one path that stay, newest first (0: none, where the path still exists). */
  readonly keep: number;
  /** Copies replaced longer ago than this (ms) go; undefined: no age limit. */
  readonly maxAgeMs?: number;
  /** Now, ms since the epoch (the age of a copy is counted from here). */
  readonly nowMs: number;
  readonly signal?: AbortSignal;
}

export interface PruneResult {
  /** Kept copies deleted. */
  readonly dropped: number;
  /** Kept copies that stay. */
  readonly kept: number;
}

/** A multipart upload in progress on the service, not (yet) an object. */
export interface PendingUpload {
  /** Repository-relative path the upload would create. */
  readonly path: string;
  readonly uploadId: string;
  /** When it was started, ms since the epoch (0 when the service does not say). */
  readonly initiatedMs: number;
}

export interface IfChangedOptions {
  /** Largest body accepted (the read is meant for small objects). Default 1 MiB; larger → 'permanent'. */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
}

/** What `getIfChanged()` found. */
export type IfChanged =
  /** The object still has the ETag the caller gave (S3: 304 Not Modified); no body was sent. */
  | { readonly state: 'unchanged' }
  /** There is no such object. */
  | { readonly state: 'missing' }
  /** The object differs from the ETag given (or none was given): here it is, whole. */
  | { readonly state: 'changed'; readonly object: RemoteObject; readonly data: Buffer };

/**
 * The optional part of the contract: methods a remote may lack (a caller checks with `?.`). Every
 * wrapper passes each one through, changed as it must be (wrap/forward.ts `OptionalWrapping`
 * makes forgetting one a compile error); a wrapper around a remote that lacks one lacks it too.
 */
export interface OptionalOps {
  /**
   * Abort the upload a resumable put's checkpoint describes (e.g. one UploadCheckpoints.stale()
   * reported), without the caller having to understand the checkpoint. Unknown states are ignored;
   * an upload already gone is fine. Only remotes that upload in parts (S3) have it.
   */
  discardUpload(checkpoint: UploadCheckpoint, signal?: AbortSignal): Promise<void>;
  /**
   * Every version of exactly `path` (not of paths below it), newest first, delete markers
   * included; [] when it never existed. Remotes that keep no versions lack it.
   */
  listVersions(path: string, signal?: AbortSignal): Promise<readonly RemoteVersion[]>;
  /**
   * One version's content, as `get()` reads the current one (range and signal as in GetOptions;
   * `ifMatch` is ignored: a version never changes). Unknown id or a delete marker → 'not-found'.
   */
  getVersion(path: string, id: string, options?: GetOptions): Promise<GetResult>;
  /**
   * A cheap conditional read of a small object (a polled head, say): with the ETag last seen,
   * 'unchanged' costs no body (S3: GET with If-None-Match answered 304); otherwise the whole
   * object, at most `maxBytes`. `etag` undefined: always read.
   */
  getIfChanged(path: string, etag: string | undefined, options?: IfChangedOptions): Promise<IfChanged>;
  /**
   * Before an overwrite or delete, where the service keeps no versions of its own: keep the object
   * at `path` (only if it still has the ETag `ifMatch`, else 'precondition') as a version that
   * listVersions/getVersion then find, by a server-side copy (never a download). Returns the kept
   * version's id; undefined where the service keeps the replaced version itself (S3 versioning).
   * `size`, where the caller knows it, spares the copy a HEAD of the object.
   */
  keepVersion(path: string, ifMatch: string, signal?: AbortSignal, size?: number): Promise<string | undefined>;
  /**
   * Retention of the copies keepVersion made: beyond `keep` per path, or older than `maxAgeMs`,
   * they go, except that the newest copy of a path that no longer exists always stays (it is the
   * only copy of that file). Where the service keeps the versions, its own lifecycle rules govern
   * them: nothing is deleted ({dropped: 0, kept: 0}).
   */
  pruneVersions(retention: VersionRetention): Promise<PruneResult>;
}

/** The names of the optional methods, for tables that must cover each (counters, fault rules, wrappers). */
export type OptionalOp = keyof OptionalOps;

export interface Remote extends Partial<OptionalOps> {
  /** For messages: `s3://bucket/prefix` or `file:///dir`. Never contains credentials. */
  readonly display: string;
  readonly capabilities: Capabilities;

  /**
   * Make sure the remote can be used: the bucket (or directory) exists and the credentials work.
   * Throws RemoteError('no-bucket' | 'auth' | ...) with a message a user can act on.
   */
  check(): Promise<void>;

  /**
   * Every object under the prefix whose path starts with `under` (a folder path without trailing
   * slash, '' for all), in UTF-8 byte order of path (core/paths.ts compareKeys). The remote's own
   * bookkeeping under `<prefix>/.lsync/` is skipped. Everything else is included as-is (keys ending
   * in `/`, keys with `..` or empty segments, nested `.lsync/` folders): validating paths is the
   * caller's job (core/paths.ts pathProblem), so that nothing is hidden from it.
   *
   * Folder markers: a zero-byte object whose path ends in `/` (`photos/2024/`) stands for a folder
   * that exists although nothing may be in it (the S3 console's "Create folder"). lsync reads and
   * writes them with every method above; a directory remote reports each of its empty
   * directories as one, so a folder made there by hand is seen like another tool's marker.
   */
  list(under?: string, signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject>;

  /**
   * The part size a put of `size` bytes would use, or undefined when it goes in one request (or the
   * remote has no parts at all). Lets the caller hash the parts while it hashes the file (PutOptions
   * `partMd5s`), instead of the upload hashing them again as it sends them.
   */
  partSizeFor?(size: number): number | undefined;

  /** HEAD: the object with its metadata, or undefined when it does not exist. */
  stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined>;

  get(path: string, options?: GetOptions): Promise<GetResult>;

  put(path: string, source: PutSource, options: PutOptions): Promise<PutResult>;

  /**
   * Server-side copy `from` → `to`, keeping metadata. `ifMatch` guards the source (the copy fails
   * with 'precondition', creating nothing that stays, when the source no longer has that ETag);
   * `ifNoneMatch` guards the target (write only if nothing is there). Where the service lacks the
   * conditions the implementation checks with a HEAD (the narrow race of PutOptions). `size`, the
   * source's size as listed, spares a HEAD where the implementation needs it (S3: copies above
   * 5 GiB go in parts). Throws 'unsupported' when the service cannot copy this object at all (a
   * multipart copy on a service without UploadPartCopy): the caller may upload instead.
   */
  copy(from: string, to: string, options?: CopyOptions): Promise<PutResult>;

  /**
   * Delete, succeeding when the object is already gone. `ifMatch`: delete only if the object still
   * has that ETag (checked with a HEAD where the service has no conditional delete).
   */
  delete(path: string, options?: { readonly ifMatch?: string; readonly signal?: AbortSignal; readonly replacedSize?: number }): Promise<void>;

  /** Release sockets and handles. */
  close(): Promise<void>;
}
