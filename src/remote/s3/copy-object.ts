/**
 * Server-side copy for the Remote contract (`copy`): CopyObject, or a multipart copy (copy.ts) at
 * or above the copy threshold. Conditions: where the service honours CopySourceIfMatch and
 * If-None-Match (`conditionalCopies`) it checks them; otherwise the target is checked like a put's
 * (guard) and the source with a HEAD, except that a single-part copy of a plain-MD5 object checks
 * the copy's own ETag instead (see copyObject).
 */
import { CopyObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LimitFunction } from 'p-limit';
import { RemoteError, type CopyOptions, type PutResult, type RemoteObject } from '../remote.js';
import { sendCached } from './client.js';
import { copyMultipart } from './copy.js';
import { classify } from './errors.js';
import { quoteEtag, unquoteEtag } from './meta.js';
import type { Quirks } from './quirks.js';

const PLAIN_MD5 = /^[0-9a-f]{32}$/;

/** What a copy needs of the remote. */
export interface CopyContext {
  readonly client: S3Client;
  readonly bucket: string;
  readonly display: string;
  readonly quirks: Quirks;
  /** CopyObject honours CopySourceIfMatch and If-None-Match (probed). */
  readonly conditionalCopies: boolean;
  /** CompleteMultipartUpload honours If-None-Match. */
  readonly conditionalWrites: boolean;
  /** A copy of a single-part object gets its MD5 as ETag (not under SSE-KMS / SSE-C: sse.ts). */
  readonly etagIsMd5: boolean;
  readonly copyThreshold: number;
  readonly copyPartSize: number;
  readonly partLimit: LimitFunction;
  key(path: string): string;
  stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined>;
  delete(path: string, options: { readonly ifMatch?: string; readonly signal?: AbortSignal }): Promise<void>;
  /** The pre-write check of a target on a service without conditions (s3-remote.ts guard). */
  guard(what: string, path: string, ifMatch: string | undefined, ifNoneMatch: boolean | undefined, signal?: AbortSignal): Promise<void>;
  changed(what: string, path: string): RemoteError;
  fail(err: unknown, what: string, path?: string): unknown;
}

/** `x-amz-copy-source` escaping, per the provider's quirk (see quirks.ts). */
export function encodeCopyKey(key: string, quirks: Pick<Quirks, 'copySourceEncoding'>): string {
  if (quirks.copySourceEncoding === 'uri') return encodeURI(key);
  return key.split('/').map(encodeURIComponent).join('/');
}

export async function copyObject(c: CopyContext, from: string, to: string, options: CopyOptions = {}): Promise<PutResult> {
  const { ifMatch, signal } = options;
  const native = c.conditionalCopies;
  // The target check shares a listing with the other checks of the moment where it can (guard()).
  if (options.ifNoneMatch === true && !native) await c.guard('copy', to, undefined, true, signal);
  // Without native conditions the source needs checking. A single-part copy of a plain-MD5 object
  // gets that MD5 as its own ETag, so the copy's answer checks the source for free (see below);
  // otherwise (multipart ETag, unknown size) a HEAD does, and gives the size too.
  let size = options.size;
  // Under SSE-KMS / SSE-C the copy gets an ETag of its own: nothing to compare, the HEAD checks.
  const checkAfter = ifMatch !== undefined && !native && c.etagIsMd5 && PLAIN_MD5.test(ifMatch) && size !== undefined && size < c.copyThreshold;
  if ((ifMatch !== undefined && !native && !checkAfter) || size === undefined) {
    const source = await c.stat(from, signal);
    if (source === undefined) {
      if (ifMatch !== undefined) throw c.changed('copy', from);
      throw new RemoteError('not-found', `copy "${from}" in ${c.display}: no such object`, from);
    }
    if (ifMatch !== undefined && source.etag !== ifMatch) throw c.changed('copy', from);
    size = source.size;
  }
  const copySource = `${c.bucket}/${encodeCopyKey(c.key(from), c.quirks)}`;
  try {
    if (size >= c.copyThreshold) return await copyInParts(c, from, to, size, copySource, options);
    const res = await sendCached(
      c.client,
      new CopyObjectCommand({
        Bucket: c.bucket,
        Key: c.key(to),
        CopySource: copySource,
        MetadataDirective: 'COPY',
        ...(native && ifMatch !== undefined ? { CopySourceIfMatch: quoteEtag(ifMatch) } : {}),
        ...(native && options.ifNoneMatch === true ? { IfNoneMatch: '*' } : {}),
      }),
      signal,
    );
    const copied = {
      etag: unquoteEtag(res.CopyObjectResult?.ETag),
      ...(res.VersionId !== undefined && res.VersionId !== 'null' ? { versionId: res.VersionId } : {}),
    };
    if (checkAfter && copied.etag !== ifMatch) await undoStaleCopy(c, from, to, ifMatch, copied.etag, signal);
    return copied;
  } catch (err) {
    if (ifMatch !== undefined && classify(err) === 'not-found') throw c.changed('copy', from);
    if (classify(err) === 'precondition') throw c.changed('copy', from);
    throw c.fail(err, 'copy', from);
  }
}

/**
 * The copy's ETag is not the source's expected MD5: either the source was rewritten since it was
 * listed (a collaborator's write: the copy holds their bytes, not ours), or the service gives
 * copies ETags of its own. Only a HEAD tells: in the first case the copy is removed again (only if
 * still exactly what we wrote) and the copy fails as 'precondition'.
 */
async function undoStaleCopy(c: CopyContext, from: string, to: string, expected: string, written: string, signal: AbortSignal | undefined): Promise<void> {
  const source = await c.stat(from, signal);
  if (source?.etag === expected) return;
  await c.delete(to, { ifMatch: written, ...(signal !== undefined ? { signal } : {}) }).catch(() => undefined);
  throw c.changed('copy', from);
}

/** Copies at or above `copyThreshold`: see copy.ts. The HEAD brings the metadata to carry over. */
async function copyInParts(c: CopyContext, from: string, to: string, size: number, copySource: string, options: CopyOptions): Promise<PutResult> {
  if (!c.quirks.partCopy) throw unsupportedCopy(c, from);
  const head = await sendCached(c.client, new HeadObjectCommand({ Bucket: c.bucket, Key: c.key(from) }), options.signal);
  const etag = unquoteEtag(head.ETag);
  if (options.ifMatch !== undefined && etag !== options.ifMatch) throw c.changed('copy', from);
  try {
    return await copyMultipart({
      client: c.client,
      bucket: c.bucket,
      key: c.key(to),
      copySource,
      size: head.ContentLength ?? size,
      partSize: c.copyPartSize,
      sourceEtag: etag,
      metadata: head.Metadata ?? {},
      ...(head.ContentType !== undefined ? { contentType: head.ContentType } : {}),
      ifNoneMatch: options.ifNoneMatch === true && c.conditionalWrites,
      canAbort: c.quirks.manageUploads,
      limit: c.partLimit,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (classify(err) === 'unsupported') throw unsupportedCopy(c, from, err);
    throw err;
  }
}

function unsupportedCopy(c: CopyContext, from: string, cause?: unknown): RemoteError {
  const message = `copy "${from}" in ${c.display}: this service cannot copy objects of this size server-side (no UploadPartCopy)`;
  return new RemoteError('unsupported', message, from, cause !== undefined ? { cause } : {});
}
