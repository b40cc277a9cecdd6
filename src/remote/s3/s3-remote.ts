/**
 * S3Remote: the Remote contract on any S3-compatible service.
 *
 * Key = prefix + path, byte for byte. Metadata layout: see meta.ts. Provider differences: see
 * quirks.ts (the only module that knows which service this is). Error mapping: errors.ts.
 *
 * Conditional writes: when `conditionalWrites` is false (the service was probed and ignores
 * If-Match / If-None-Match), conditional put/copy/delete HEAD the object just before the write and
 * throw 'precondition' on mismatch; the window between the HEAD and the write is the documented
 * race. Multipart uploads always HEAD first, so that a doomed upload fails before sending its bytes.
 *
 * Resumable uploads (PutOptions.resume) and memory: see multipart.ts. Uploads left on the service
 * (by interrupted resumable puts whose file then changed, or by crashes) are found with
 * `listUploads()` and removed with `abortUpload()` / `discardUpload()`.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import pLimit, { type LimitFunction } from 'p-limit';
import { compareKeys, inScope } from '../../core/paths.js';
import {
  RemoteError,
  type Capabilities,
  type GetOptions,
  type GetResult,
  type PutOptions,
  type PutResult,
  type PutSource,
  type Remote,
  type RemoteObject,
  type UploadCheckpoint,
} from '../remote.js';
import type { PendingUpload } from '../open.js';
import { displayRemote } from '../spec.js';
import { ByteBudget } from './budget.js';
import { makeClient, resolveEndpoint, type ClientSettings } from './client.js';
import { classify, isAbort, toRemoteError } from './errors.js';
import { decodeMeta, encodeMeta, quoteEtag, unquoteEtag } from './meta.js';
import { choosePartSize, MiB, parseCheckpoint, uploadMultipart, type MultipartState } from './multipart.js';
import { pace } from './pace.js';
import { partSource, type PartSource } from './part-source.js';
import { probeCapabilities, type S3Capabilities } from './probe.js';
import { detectProvider, quirksFor, type Quirks } from './quirks.js';

export type { S3Capabilities } from './probe.js';

export interface S3RemoteOptions {
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** Explicit credentials (tests); otherwise the standard AWS chain. */
  readonly credentials?: ClientSettings['credentials'];
  /** Provider name for quirks.ts; default: `LSYNC_S3_PROVIDER`, then detected from the endpoint. */
  readonly provider?: string;
  /** Parallel requests (sockets, and parts in flight across all multipart uploads). Default 4. */
  readonly concurrency?: number;
  /** Files of at least this size go multipart. Default 16 MiB. */
  readonly multipartThreshold?: number;
  /** Preferred part size (at least 5 MiB; grows so there are at most 10,000 parts). Default 16 MiB. */
  readonly partSize?: number;
  /**
   * Bytes of request bodies held in memory at once: whole files below the multipart threshold, read
   * into one buffer each (the SDK signs and retries them), independent of `concurrency`. Default
   * 64 MiB. Multipart parts do not count: they are streamed from the file (multipart.ts), so a
   * 512 MiB push with 16 parts of 16 MiB in flight peaks at about 135 MiB RSS on loopback s3rver.
   */
  readonly partMemory?: number;
  /** As recorded by `probeCapabilities()` at init; false (the safe default) means HEAD-then-write. */
  readonly conditionalWrites?: boolean;
  /** DeleteObject honours If-Match (probed); otherwise conditional deletes rely on the HEAD alone. */
  readonly conditionalDeletes?: boolean;
  readonly versioning?: boolean;
  /** SDK attempts per request (default 3). */
  readonly maxAttempts?: number;
  /** Called after each multipart part, with the upload's bookkeeping (for a resumable checkpoint). */
  readonly onMultipartPart?: (path: string, state: MultipartState) => void;
}

const BOOKKEEPING = '.lsync/';

/** Default of S3RemoteOptions.partMemory. */
export const DEFAULT_PART_MEMORY = 64 * MiB;

export class S3Remote implements Remote {
  readonly display: string;
  readonly capabilities: Capabilities;
  readonly quirks: Quirks;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly conditionalDeletes: boolean;
  private readonly partLimit: LimitFunction;
  private readonly memory: ByteBudget;
  private readonly onMultipartPart: S3RemoteOptions['onMultipartPart'];

  constructor(options: S3RemoteOptions) {
    if (options.prefix !== '' && !options.prefix.endsWith('/')) throw new Error(`S3 prefix "${options.prefix}" must be '' or end in '/'`);
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.display = displayRemote({ kind: 's3', bucket: options.bucket, prefix: options.prefix });
    const endpoint = resolveEndpoint(options.endpoint);
    this.quirks = quirksFor(detectProvider(endpoint, options.provider ?? process.env['LSYNC_S3_PROVIDER']));
    const concurrency = Math.max(1, options.concurrency ?? 4);
    this.client = makeClient(
      {
        concurrency,
        ...(endpoint !== undefined ? { endpoint } : {}),
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.profile !== undefined ? { profile: options.profile } : {}),
        ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
        ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      },
      this.quirks,
    );
    this.threshold = options.multipartThreshold ?? 16 * MiB;
    this.partSize = options.partSize ?? 16 * MiB;
    this.conditionalDeletes = options.conditionalDeletes ?? false;
    this.partLimit = pLimit(concurrency);
    this.memory = new ByteBudget(Math.max(1, options.partMemory ?? DEFAULT_PART_MEMORY));
    this.onMultipartPart = options.onMultipartPart;
    this.capabilities = {
      conditionalWrites: options.conditionalWrites ?? false,
      versioning: options.versioning ?? false,
      serverSideCopy: true,
    };
  }

  private key(path: string): string {
    return this.prefix + path;
  }

  /** The error to throw for `err` (aborts pass through unchanged so callers see an AbortError). */
  private fail(err: unknown, what: string, path?: string): unknown {
    if (isAbort(err)) return err;
    return toRemoteError(err, path !== undefined ? `${what} "${path}" in ${this.display}` : `${what} ${this.display}`, path);
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const kind = classify(err);
      // HEAD responses have no body, so a missing bucket arrives as a bare 404.
      if (kind === 'not-found' || kind === 'no-bucket') {
        throw new RemoteError('no-bucket', `bucket "${this.bucket}" does not exist (lsync init --create-bucket makes it)`, undefined, { cause: err });
      }
      if (kind === 'auth') {
        const e = toRemoteError(err, `access to bucket "${this.bucket}" refused`);
        throw new RemoteError('auth', `${e.message}; check the credentials (AWS_PROFILE, --profile, AWS_ACCESS_KEY_ID)`, undefined, { cause: err });
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

  async *list(under = '', signal?: AbortSignal): AsyncIterable<RemoteObject> {
    if (this.quirks.sortedListing) {
      yield* this.listPages(under, signal);
      return;
    }
    const all: RemoteObject[] = [];
    for await (const o of this.listPages(under, signal)) all.push(o);
    yield* all.sort((a, b) => compareKeys(a.path, b.path));
  }

  /** The listing as the service returns it, page by page. */
  private async *listPages(under: string, signal: AbortSignal | undefined): AsyncIterable<RemoteObject> {
    const listPrefix = this.key(under);
    // In byte order the scope `under/…` is one run of keys: past it, stop paginating.
    const folder = under === '' ? undefined : listPrefix + '/';
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: listPrefix,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
          sendOptions(signal),
        );
      } catch (err) {
        throw this.fail(err, 'list', under === '' ? '' : under);
      }
      for (const item of page.Contents ?? []) {
        const key = item.Key;
        if (key === undefined || !key.startsWith(this.prefix)) continue;
        if (folder !== undefined && this.quirks.sortedListing && !key.startsWith(folder) && compareKeys(key, folder) > 0) return;
        const path = key.slice(this.prefix.length);
        if (path.startsWith(BOOKKEEPING) || !inScope(path, under)) continue;
        yield {
          path,
          size: item.Size ?? 0,
          etag: unquoteEtag(item.ETag),
          lastModifiedMs: item.LastModified?.getTime() ?? 0,
        };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }), sendOptions(signal));
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
      res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.key(path),
          ...(range !== undefined ? { Range: range } : {}),
          ...(options.ifMatch !== undefined ? { IfMatch: quoteEtag(options.ifMatch) } : {}),
        }),
        sendOptions(options.signal),
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
    const total = /\/(\d+)$/.exec(res.ContentRange ?? '')?.[1];
    return {
      body,
      object: {
        path,
        size: total !== undefined ? Number(total) : (res.ContentLength ?? 0),
        etag,
        lastModifiedMs: res.LastModified?.getTime() ?? 0,
        ...(res.VersionId !== undefined && res.VersionId !== 'null' ? { versionId: res.VersionId } : {}),
        meta: decodeMeta(res.Metadata),
      },
    };
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

  async put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    const size = source.kind === 'file' ? source.size : source.data.byteLength;
    const multipart = size >= this.threshold;
    const native = this.capabilities.conditionalWrites;
    if (!native || multipart) await this.expect('put', path, options.ifMatch, options.ifNoneMatch, options.signal);
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
        const done = await uploadMultipart({
          client: this.client,
          bucket: this.bucket,
          key: this.key(path),
          size,
          partSize: choosePartSize(size, this.partSize),
          source: parts,
          limit: this.partLimit,
          metadata,
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
      const res = await this.client.send(
        pace(new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(path),
          Body: body,
          ContentLength: size,
          Metadata: metadata,
          // The server rejects the upload (BadDigest) if the bytes are not the ones the caller hashed.
          ...(md5 !== undefined && /^[0-9a-f]{32}$/.test(md5) ? { ContentMD5: Buffer.from(md5, 'hex').toString('base64') } : {}),
          ...conditions,
        }), options.throttle, options.signal),
        sendOptions(options.signal),
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
      throw this.fail(err, 'put', path);
    } finally {
      release?.();
      if (sent !== undefined) this.memory.give(sent);
      await parts?.close();
      await handle?.close();
    }
  }

  async copy(from: string, to: string, options: { readonly ifMatch?: string; readonly signal?: AbortSignal } = {}): Promise<PutResult> {
    // Always HEAD the source first: moto honours conditional puts but ignores CopySourceIfMatch.
    await this.expect('copy', from, options.ifMatch, undefined, options.signal);
    const native = this.capabilities.conditionalWrites;
    try {
      const res = await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.key(to),
          CopySource: `${this.bucket}/${encodeCopyKey(this.key(from), this.quirks)}`,
          MetadataDirective: 'COPY',
          ...(native && options.ifMatch !== undefined ? { CopySourceIfMatch: quoteEtag(options.ifMatch) } : {}),
        }),
        sendOptions(options.signal),
      );
      return {
        etag: unquoteEtag(res.CopyObjectResult?.ETag),
        ...(res.VersionId !== undefined && res.VersionId !== 'null' ? { versionId: res.VersionId } : {}),
      };
    } catch (err) {
      if (options.ifMatch !== undefined && classify(err) === 'not-found') throw this.changed('copy', from);
      if (classify(err) === 'precondition') throw this.changed('copy', from);
      throw this.fail(err, 'copy', from);
    }
  }

  async delete(path: string, options: { readonly ifMatch?: string; readonly signal?: AbortSignal } = {}): Promise<void> {
    if (options.ifMatch !== undefined) {
      const current = await this.stat(path, options.signal);
      if (current === undefined) return; // already gone: the caller's goal is reached
      if (current.etag !== options.ifMatch) throw this.changed('delete', path);
    }
    try {
      await this.client.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: this.key(path),
          ...(this.conditionalDeletes && options.ifMatch !== undefined ? { IfMatch: quoteEtag(options.ifMatch) } : {}),
        }),
        sendOptions(options.signal),
      );
    } catch (err) {
      const kind = classify(err);
      if (kind === 'not-found') return;
      if (kind === 'precondition') throw this.changed('delete', path);
      throw this.fail(err, 'delete', path);
    }
  }

  /**
   * Multipart uploads in progress under the prefix (ListMultipartUploads, every page), for cleaning
   * up uploads that nothing will continue. Services without the API (s3rver) list none.
   */
  async *listUploads(signal?: AbortSignal): AsyncIterable<PendingUpload> {
    if (!this.quirks.manageUploads) return;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: this.prefix,
            ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker !== undefined ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
          sendOptions(signal),
        );
      } catch (err) {
        throw this.fail(err, 'list uploads in');
      }
      for (const upload of page.Uploads ?? []) {
        const key = upload.Key;
        if (key === undefined || !key.startsWith(this.prefix) || upload.UploadId === undefined) continue;
        const path = key.slice(this.prefix.length);
        if (path.startsWith(BOOKKEEPING)) continue;
        yield { path, uploadId: upload.UploadId, initiatedMs: upload.Initiated?.getTime() ?? 0 };
      }
      const nextKey = page.NextKeyMarker;
      const nextId = page.NextUploadIdMarker;
      // Guard against a service that says "truncated" without moving on: stop rather than loop.
      if (page.IsTruncated !== true || nextKey === undefined || (nextKey === keyMarker && nextId === uploadIdMarker)) return;
      keyMarker = nextKey;
      uploadIdMarker = nextId !== undefined && nextId !== '' ? nextId : undefined;
    }
  }

  /**
   * Abort a multipart upload of `path` (its parts are deleted). Succeeds when the upload is already
   * gone; does nothing on services without AbortMultipartUpload (s3rver).
   */
  async abortUpload(path: string, uploadId: string, signal?: AbortSignal): Promise<void> {
    await this.abortKey(this.key(path), uploadId, path, signal);
  }

  /**
   * Abort the upload a resumable put's checkpoint describes (one `stale()` reported, say): the
   * checkpoint state stays opaque to the caller. Unrecognised states are ignored.
   */
  async discardUpload(checkpoint: UploadCheckpoint, signal?: AbortSignal): Promise<void> {
    const cp = parseCheckpoint(checkpoint.state);
    if (cp === undefined || cp.bucket !== this.bucket) return;
    const path = cp.key.startsWith(this.prefix) ? cp.key.slice(this.prefix.length) : cp.key;
    await this.abortKey(cp.key, cp.uploadId, path, signal);
  }

  private async abortKey(key: string, uploadId: string, path: string, signal: AbortSignal | undefined): Promise<void> {
    if (!this.quirks.manageUploads) return;
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }), sendOptions(signal));
    } catch (err) {
      if (classify(err) === 'not-found') return; // NoSuchUpload: the goal is reached
      throw this.fail(err, 'abort upload of', path);
    }
  }

  /** What the service really does, found by trying (see probe.ts); for `init` and `doctor`. */
  async probeCapabilities(): Promise<S3Capabilities> {
    try {
      return await probeCapabilities(this.client, this.bucket, `${this.prefix}${BOOKKEEPING}`);
    } catch (err) {
      throw this.fail(err, 'probe');
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Per-request options; an absent signal must be omitted, not undefined (exactOptionalPropertyTypes). */
function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal !== undefined ? { abortSignal: signal } : {};
}

function badDigest(path: string, display: string, cause?: unknown): RemoteError {
  const message = `put "${path}" in ${display}: content differs from its recorded MD5 (file changed while uploading?)`;
  return new RemoteError('permanent', message, path, cause !== undefined ? { cause } : {});
}

function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const v = 'Code' in err ? err.Code : 'name' in err ? err.name : undefined;
  return typeof v === 'string' ? v : '';
}

/** `x-amz-copy-source` escaping, per the provider's quirk (see quirks.ts). */
export function encodeCopyKey(key: string, quirks: Pick<Quirks, 'copySourceEncoding'>): string {
  if (quirks.copySourceEncoding === 'uri') return encodeURI(key);
  return key.split('/').map(encodeURIComponent).join('/');
}
