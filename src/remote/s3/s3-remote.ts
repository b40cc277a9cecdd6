/**
 * S3Remote: the Remote contract on any S3-compatible service.
 *
 * Key = prefix + path, byte for byte. Metadata layout: see meta.ts. Provider differences: see
 * quirks.ts (the only module that knows which service this is). Error mapping: errors.ts.
 *
 * Conditional writes: when `conditionalWrites` is false (the service was probed and ignores
 * If-Match / If-None-Match), conditional put/copy/delete look at the object just before the write
 * and throw 'precondition' on mismatch; the window between the look and the write is the documented
 * race. The look is a HEAD, except for single-request puts where listings are consistent: there the
 * puts waiting at the same moment share one listing per folder (presence.ts; same guarantee: every
 * write that completed before put() was called is seen). Multipart uploads always HEAD first, so
 * that a doomed upload fails before sending its bytes. Copies and deletes send no HEAD where the
 * service honours their conditions (`conditionalCopies`, `conditionalDeletes`); a copy guarded by a
 * plain-MD5 source ETag checks the copy's own ETag instead of a HEAD of the source (see copy()).
 *
 * Resumable uploads (PutOptions.resume) and memory: see multipart.ts; uploads left on the service:
 * uploads.ts. Listings: listing.ts.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import pLimit, { type LimitFunction } from 'p-limit';
import {
  describeOp,
  RemoteError,
  type Capabilities,
  type CopyOptions,
  type GetOptions,
  type GetResult,
  type IfChanged,
  type IfChangedOptions,
  type ListHints,
  type PendingUpload,
  type PutOptions,
  type PutResult,
  type PutSource,
  type Remote,
  type RemoteObject,
  type UploadCheckpoint,
} from '../remote.js';
import { displayRemote } from '../spec.js';
import { ByteBudget } from './budget.js';
import type { S3RemoteOptions } from './options.js';
import { makeClient, resolveEndpoint, sendCached } from './client.js';
import { DEFAULT_COPY_PART } from './copy.js';
import { copyObject, encodeCopyKey, type CopyContext } from './copy-object.js';
import { classify, isAbort, toRemoteError } from './errors.js';
import { decodeMeta, encodeMeta, quoteEtag, unquoteEtag } from './meta.js';
import { choosePartSize, MiB, uploadMultipart, type MultipartState } from './multipart.js';
import { pace } from './pace.js';
import { partSource, plannedDigests, SourceChanged, withKnownDigests, type PartSource } from './part-source.js';
import { BOOKKEEPING, S3Listing } from './listing.js';
import { PresenceCheck, type Presence } from './presence.js';
import { abortUpload, discardUpload, listUploads, type UploadsContext } from './uploads.js';
import { probeCapabilities, type S3Capabilities } from './probe.js';
import { objectOfGet, readIfChanged } from './read-small.js';
import { detectProvider, quirksFor, type Quirks } from './quirks.js';
import { encryptionOf, type Encryption } from './sse.js';
import { S3Versions } from './versions.js';
import { attachVersions } from '../versions.js';

export type { S3Capabilities } from './probe.js';
export { encodeCopyKey } from './copy-object.js';

export type { S3RemoteOptions } from './options.js';


/** Default of S3RemoteOptions.partMemory. */
export const DEFAULT_PART_MEMORY = 64 * MiB;

export class S3Remote implements Remote {
  readonly display: string;
  readonly capabilities: Capabilities;
  readonly quirks: Quirks;
  /** Server-side encryption, on every request that takes it (sse.ts); doctor reports it. */
  readonly encryption: Encryption;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly conditionalDeletes: boolean;
  private readonly conditionalCopies: boolean;
  private readonly copyThreshold: number;
  private readonly copyPartSize: number;
  private readonly partLimit: LimitFunction;
  private readonly memory: ByteBudget;
  private readonly onMultipartPart: S3RemoteOptions['onMultipartPart'];
  /** Batched overwrite guard (presence.ts); undefined where puts are conditional or listings may lag. */
  private readonly presence: PresenceCheck | undefined;
  private readonly listing: S3Listing;
  private readonly copyContext: CopyContext;
  private readonly uploads: UploadsContext;

  constructor(options: S3RemoteOptions) {
    if (options.prefix !== '' && !options.prefix.endsWith('/')) throw new Error(`S3 prefix "${options.prefix}" must be '' or end in '/'`);
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.display = displayRemote({ kind: 's3', bucket: options.bucket, prefix: options.prefix });
    const endpoint = resolveEndpoint(options.endpoint);
    this.quirks = quirksFor(detectProvider(endpoint, options.provider ?? process.env['LSYNC_S3_PROVIDER']));
    const concurrency = Math.max(1, options.concurrency ?? 4);
    this.encryption = encryptionOf(options.encryption ?? {}, process.env, this.display);
    this.client = makeClient(
      {
        concurrency,
        ...(endpoint !== undefined ? { endpoint } : {}),
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.profile !== undefined ? { profile: options.profile } : {}),
        ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
        ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
        ...(options.regionForced !== undefined ? { regionForced: options.regionForced } : {}),
        ...(options.onRegion !== undefined ? { onRegion: options.onRegion } : {}),
        encryption: this.encryption,
      },
      this.quirks,
    );
    this.threshold = options.multipartThreshold ?? 16 * MiB;
    this.partSize = options.partSize ?? 16 * MiB;
    this.conditionalDeletes = options.conditionalDeletes ?? false;
    this.conditionalCopies = options.conditionalCopies ?? false;
    this.copyThreshold = Math.min(options.copyThreshold ?? this.quirks.copyLimit, this.quirks.copyLimit);
    this.copyPartSize = options.copyPartSize ?? DEFAULT_COPY_PART;
    this.partLimit = pLimit(concurrency);
    this.memory = new ByteBudget(Math.max(1, options.partMemory ?? DEFAULT_PART_MEMORY));
    this.onMultipartPart = options.onMultipartPart;
    this.capabilities = {
      conditionalWrites: options.conditionalWrites ?? false,
      versioning: options.versioning ?? false,
      serverSideCopy: true,
      etagIsMd5: this.encryption.etagIsMd5,
    };
    const fail = (err: unknown, what: string, path?: string): unknown => this.fail(err, what, path);
    this.listing = new S3Listing({ client: this.client, bucket: this.bucket, prefix: this.prefix, quirks: this.quirks, parallelism: Math.min(8, concurrency), fail });
    this.copyContext = {
      client: this.client, bucket: this.bucket, display: this.display, quirks: this.quirks,
      conditionalCopies: this.conditionalCopies, conditionalWrites: this.capabilities.conditionalWrites, etagIsMd5: this.encryption.etagIsMd5,
      copyThreshold: this.copyThreshold, copyPartSize: this.copyPartSize, partLimit: this.partLimit,
      key: (path) => this.key(path),
      stat: (path, signal) => this.stat(path, signal),
      delete: (path, o) => this.delete(path, o),
      guard: (what, path, ifMatch, ifNoneMatch, signal) => this.guard(what, path, ifMatch, ifNoneMatch, signal),
      changed: (what, path) => this.changed(what, path),
      fail,
    };
    this.uploads = { client: this.client, bucket: this.bucket, prefix: this.prefix, quirks: this.quirks, fail };
    this.presence =
      !this.capabilities.conditionalWrites && this.quirks.consistentListing
        ? new PresenceCheck({ listPage: (prefix, startAfter) => this.listing.listPage(prefix, startAfter), sorted: this.quirks.sortedListing })
        : undefined;
    // The version capability (versions.ts): the service's versions, or copies kept under .lsync/versions/.
    attachVersions(
      this,
      new S3Versions({
        client: this.client,
        bucket: this.bucket,
        prefix: this.prefix,
        versioning: this.capabilities.versioning,
        etagIsMd5: this.encryption.etagIsMd5,
        remote: this,
        ...(options.onVersioningOff !== undefined ? { onVersioningOff: options.onVersioningOff } : {}),
      }),
    );
  }

  private key(path: string): string {
    return this.prefix + path;
  }


  /** The error to throw for `err` (aborts pass through unchanged so callers see an AbortError). */
  private fail(err: unknown, what: string, path?: string): unknown {
    if (isAbort(err)) return err;
    return toRemoteError(err, describeOp(what, path, this.display), path);
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const kind = classify(err);
      // HEAD responses have no body, so a missing bucket arrives as a bare 404.
      if (kind === 'not-found' || kind === 'no-bucket') {
        throw new RemoteError('no-bucket', `bucket "${this.bucket}" does not exist`, undefined, { cause: err });
      }
      if (kind === 'auth') {
        const e = toRemoteError(err, `access to bucket "${this.bucket}" refused`);
        throw new RemoteError('auth', e.message, undefined, { cause: err });
      }
      throw this.fail(err, 'cannot reach');
    }
  }

  /** For `init --create-bucket`; succeeds when the bucket already exists and is ours. */
  async createBucket(): Promise<void> {
    const region = await this.client.config.region().catch(() => undefined);
    const location =
      this.quirks.provider === 'aws' && region !== undefined && region !== 'us-east-1'
        ? { CreateBucketConfiguration: { LocationConstraint: region as never } }
        : {};
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket, ...location }));
    } catch (err) {
      const name = typeof err === 'object' && err !== null && 'name' in err ? err.name : '';
      if (name === 'BucketAlreadyOwnedByYou') return;
      // Some servers (s3rver) say "exists" for our own bucket too: usable means it is ours.
      if (name === 'BucketAlreadyExists' && (await this.check().then(() => true, () => false))) return;
      if (name === 'BucketAlreadyExists') throw new RemoteError('permanent', `bucket name "${this.bucket}" is taken by another account`, undefined, { cause: err });
      throw this.fail(err, 'create bucket for');
    }
  }

  list(under = '', signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject> {
    return this.listing.list(under, signal, hints);
  }

  async stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    try {
      const head = await sendCached(this.client, new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }), signal);
      return {
        path,
        size: head.ContentLength ?? 0,
        etag: unquoteEtag(head.ETag),
        lastModifiedMs: head.LastModified?.getTime() ?? 0,
        ...(head.VersionId !== undefined && head.VersionId !== 'null' ? { versionId: head.VersionId } : {}),
        meta: decodeMeta(head.Metadata),
      };
    } catch (err) {
      if (classify(err) === 'not-found') return undefined;
      throw this.fail(err, 'stat', path);
    }
  }

  async get(path: string, options: GetOptions = {}): Promise<GetResult> {
    const start = options.start ?? 0;
    if (options.end !== undefined && options.end <= start) {
      // An empty range is not expressible as an HTTP Range; answer it from a HEAD.
      const object = await this.stat(path, options.signal);
      if (object === undefined) throw new RemoteError('not-found', `get "${path}" in ${this.display}: no such object`, path);
      if (options.ifMatch !== undefined && object.etag !== options.ifMatch) throw this.changed('get', path);
      return { body: Readable.from([]), object };
    }
    const range =
      options.start === undefined && options.end === undefined ? undefined : `bytes=${start}-${options.end !== undefined ? options.end - 1 : ''}`;
    let res;
    try {
      res = await sendCached(
        this.client,
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.key(path),
          ...(range !== undefined ? { Range: range } : {}),
          ...(options.ifMatch !== undefined ? { IfMatch: quoteEtag(options.ifMatch) } : {}),
        }),
        options.signal,
      );
    } catch (err) {
      throw this.fail(err, 'get', path);
    }
    const body = res.Body;
    if (!(body instanceof Readable)) throw new RemoteError('permanent', `get "${path}" in ${this.display}: response has no body stream`, path);
    const etag = unquoteEtag(res.ETag);
    // Some servers (s3rver) ignore If-Match on GET: check the answer ourselves.
    if (options.ifMatch !== undefined && etag !== options.ifMatch) {
      body.destroy();
      throw this.changed('get', path);
    }
    return { body, object: objectOfGet(path, res) };
  }

  async getIfChanged(path: string, etag: string | undefined, options: IfChangedOptions = {}): Promise<IfChanged> {
    const what = describeOp('get', path, this.display);
    return readIfChanged({ client: this.client, bucket: this.bucket, key: this.key(path), path, what, fail: (err) => this.fail(err, 'get', path) }, etag, options);
  }

  private changed(what: string, path: string): RemoteError {
    return new RemoteError('precondition', `${what} "${path}" in ${this.display}: the object changed since it was last seen`, path);
  }

  /** HEAD-based precondition check, for services without conditional writes (and before multipart). */
  private async expect(what: string, path: string, ifMatch: string | undefined, ifNoneMatch: boolean | undefined, signal?: AbortSignal): Promise<void> {
    if (ifMatch === undefined && ifNoneMatch !== true) return;
    const current = await this.stat(path, signal);
    if (ifNoneMatch === true && current !== undefined) throw this.changed(what, path);
    if (ifMatch !== undefined && current?.etag !== ifMatch) throw this.changed(what, path);
  }

  /**
   * The pre-write check of a single-request put on a service without conditional writes: from a
   * listing shared with the other puts waiting at the same moment where listings are consistent
   * (presence.ts: one request per folder instead of one HEAD per key, same guarantee), else a HEAD.
   */
  private async guard(what: string, path: string, ifMatch: string | undefined, ifNoneMatch: boolean | undefined, signal?: AbortSignal): Promise<void> {
    if (ifMatch === undefined && ifNoneMatch !== true) return;
    const etag = await this.look(path, signal);
    if (ifNoneMatch === true && etag !== undefined) throw this.changed(what, path);
    if (ifMatch !== undefined && etag !== ifMatch) throw this.changed(what, path);
  }

  /**
   * The ETag of the object at `path` just now (undefined: none), from a listing shared with the
   * other checks waiting at the same moment where listings are consistent (presence.ts), else a HEAD.
   */
  private async look(path: string, signal?: AbortSignal): Promise<string | undefined> {
    if (this.presence !== undefined) {
      let seen: Presence;
      try {
        seen = await this.presence.current(this.key(path), signal);
      } catch (err) {
        throw this.fail(err, 'list', path);
      }
      if (seen.state === 'absent') return undefined;
      if (seen.state === 'present') return seen.etag;
    }
    return (await this.stat(path, signal))?.etag;
  }

  partSizeFor(size: number): number | undefined {
    return size >= this.threshold ? choosePartSize(size, this.partSize) : undefined;
  }

  async put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    const size = source.kind === 'file' ? source.size : source.data.byteLength;
    const multipart = size >= this.threshold;
    const native = this.capabilities.conditionalWrites;
    // Multipart HEADs even where the service checks: a doomed upload fails before sending its bytes.
    if (multipart) await this.expect('put', path, options.ifMatch, options.ifNoneMatch, options.signal);
    else if (!native) await this.guard('put', path, options.ifMatch, options.ifNoneMatch, options.signal);
    const conditions = native
      ? {
          ...(options.ifMatch !== undefined ? { IfMatch: quoteEtag(options.ifMatch) } : {}),
          ...(options.ifNoneMatch === true ? { IfNoneMatch: '*' } : {}),
        }
      : {};
    const metadata = encodeMeta(options.meta);
    let handle: FileHandle | undefined;
    let parts: PartSource | undefined;
    let release: (() => void) | undefined;
    let sent: Buffer | undefined;
    try {
      if (source.kind === 'file') handle = await open(source.file, 'r');
      parts = partSource(source, handle);
      if (multipart) {
        const partSize = choosePartSize(size, this.partSize);
        const planned = await plannedDigests(source, size, partSize, options.partMd5s, options.meta.md5, options.signal);
        const done = await uploadMultipart({
          client: this.client,
          bucket: this.bucket,
          key: this.key(path),
          size,
          partSize,
          source: withKnownDigests(parts, partSize, size, planned),
          limit: this.partLimit,
          metadata,
          etagIsMd5: this.encryption.etagIsMd5,
          ...(native && options.ifMatch !== undefined ? { ifMatch: options.ifMatch } : {}),
          ...(native && options.ifNoneMatch === true ? { ifNoneMatch: true } : {}),
          ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
          ...(options.throttle !== undefined ? { throttle: options.throttle } : {}),
          ...(this.onMultipartPart !== undefined ? { onPart: (s: MultipartState) => this.onMultipartPart?.(path, s) } : {}),
          // Resuming needs the content identity: without an MD5 a checkpoint could not be matched.
          ...(options.resume !== undefined && options.meta.md5 !== undefined
            ? { resume: { store: options.resume, md5: options.meta.md5.toLowerCase(), listParts: this.quirks.listParts } }
            : {}),
          ...(options.signal !== undefined ? { signal: options.signal } : {}),
        });
        return { etag: done.etag, ...(done.versionId !== undefined ? { versionId: done.versionId } : {}) };
      }
      // Below the threshold the whole body is one buffer: bounded like a part, and retryable by the SDK.
      // Bytes sources are already in memory (the caller's buffer): only file reads take budget.
      let buffer: Buffer | undefined;
      if (source.kind === 'file') {
        release = await this.memory.acquire(size, options.signal);
        buffer = this.memory.take(size);
      }
      const body = await parts.read(0, size, buffer);
      const md5 = options.meta.md5;
      // Not every server checks Content-MD5 (s3rver and moto do not): check here too.
      if (md5 !== undefined && createHash('md5').update(body).digest('hex') !== md5.toLowerCase()) throw badDigest(path, this.display);
      const res = await sendCached(
        this.client,
        pace(new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(path),
          Body: body,
          ContentLength: size,
          Metadata: metadata,
          // A folder marker (`dir/`), typed the way the S3 console and other tools write it.
          ...(path.endsWith('/') ? { ContentType: 'application/x-directory' } : {}),
          // The server rejects the upload (BadDigest) if the bytes are not the ones the caller hashed.
          ...(md5 !== undefined && /^[0-9a-f]{32}$/.test(md5) ? { ContentMD5: Buffer.from(md5, 'hex').toString('base64') } : {}),
          ...conditions,
        }), options.throttle, options.signal),
        options.signal,
      );
      // The request is over: its buffer can serve the next one (see finally).
      sent = buffer;
      options.onProgress?.(size);
      return { etag: unquoteEtag(res.ETag), ...(res.VersionId !== undefined && res.VersionId !== 'null' ? { versionId: res.VersionId } : {}) };
    } catch (err) {
      // If-Match on a missing object answers 404: for the caller that is "not what I expected".
      if (options.ifMatch !== undefined && classify(err) === 'not-found') throw this.changed('put', path);
      if (classify(err) === 'precondition') throw this.changed('put', path);
      if (errorCode(err) === 'BadDigest') throw badDigest(path, this.display, err);
      if (err instanceof SourceChanged) throw sourceChanged(path, this.display, err);
      throw this.fail(err, 'put', path);
    } finally {
      release?.();
      if (sent !== undefined) this.memory.give(sent);
      await parts?.close();
      await handle?.close();
    }
  }

  copy(from: string, to: string, options: CopyOptions = {}): Promise<PutResult> {
    return copyObject(this.copyContext, from, to, options);
  }

  async delete(path: string, options: { readonly ifMatch?: string; readonly signal?: AbortSignal } = {}): Promise<void> {
    // Where DeleteObject honours If-Match the service checks; otherwise a look just before (a
    // listing shared with the other checks of the moment, or a HEAD: see look()).
    if (options.ifMatch !== undefined && !this.conditionalDeletes) {
      const current = await this.look(path, options.signal);
      if (current === undefined) return; // already gone: the caller's goal is reached
      if (current !== options.ifMatch) throw this.changed('delete', path);
    }
    try {
      await sendCached(
        this.client,
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: this.key(path),
          ...(this.conditionalDeletes && options.ifMatch !== undefined ? { IfMatch: quoteEtag(options.ifMatch) } : {}),
        }),
        options.signal,
      );
    } catch (err) {
      const kind = classify(err);
      if (kind === 'not-found') return;
      if (kind === 'precondition') throw this.changed('delete', path);
      throw this.fail(err, 'delete', path);
    }
  }

  /** Multipart uploads in progress under the prefix, for cleaning up those nothing will continue (uploads.ts). */
  listUploads(signal?: AbortSignal): AsyncIterable<PendingUpload> {
    return listUploads(this.uploads, signal);
  }

  /** Abort a multipart upload of `path`; fine when it is already gone (uploads.ts). */
  abortUpload(path: string, uploadId: string, signal?: AbortSignal): Promise<void> {
    return abortUpload(this.uploads, this.key(path), uploadId, path, signal);
  }

  discardUpload(checkpoint: UploadCheckpoint, signal?: AbortSignal): Promise<void> {
    return discardUpload(this.uploads, checkpoint, signal);
  }

  /** What the service really does, found by trying (see probe.ts); for `init` and `doctor`. */
  async probeCapabilities(): Promise<S3Capabilities> {
    try {
      return await probeCapabilities(this.client, this.bucket, `${this.prefix}${BOOKKEEPING}`, (key) => encodeCopyKey(key, this.quirks));
    } catch (err) {
      throw this.fail(err, 'probe');
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function badDigest(path: string, display: string, cause?: unknown): RemoteError {
  const message = `put "${path}" in ${display}: content differs from its recorded MD5 (file changed while uploading?)`;
  return new RemoteError('permanent', message, path, cause !== undefined ? { cause } : {});
}

function sourceChanged(path: string, display: string, cause: SourceChanged): RemoteError {
  const message = `put "${path}" in ${display}: the file changed while it was being uploaded; the upload was abandoned and the object left as it was (the next run sends the new version)`;
  return new RemoteError('permanent', message, path, { cause });
}

function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const v = 'Code' in err ? err.Code : 'name' in err ? err.name : undefined;
  return typeof v === 'string' ? v : '';
}
