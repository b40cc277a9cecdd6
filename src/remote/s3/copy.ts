/**
 * Multipart copy: server-side copies above the CopyObject limit (5 GiB on AWS).
 *
 * CreateMultipartUpload (given the source's metadata and content type: a multipart copy does not
 * carry them over, unlike CopyObject with `MetadataDirective: COPY`), UploadPartCopy with
 * `x-amz-copy-source-range` for each part, in parallel under the remote's request limit, each
 * guarded by the source's ETag, then CompleteMultipartUpload. On any failure the upload is aborted
 * (after every part request has settled, so none lands on an aborted upload), so no orphan parts
 * are left to cost storage.
 *
 * Errors are raw SDK errors: the caller maps them (s3-remote.ts).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LimitFunction } from 'p-limit';
import { quoteEtag, unquoteEtag } from './meta.js';
import { MAX_PARTS, MiB, MIN_PART_SIZE } from './multipart.js';

/** CopyObject copies at most this much in one request (AWS); larger objects need a multipart copy. */
export const COPY_OBJECT_LIMIT = 5 * 1024 * MiB;
/** Largest part UploadPartCopy takes. */
const MAX_COPY_PART = 5 * 1024 * MiB;
/** Default part size of a multipart copy: parts cost requests, not memory (no bytes pass through us). */
export const DEFAULT_COPY_PART = 512 * MiB;

export interface MultipartCopy {
  readonly client: S3Client;
  readonly bucket: string;
  /** The target key. */
  readonly key: string;
  /** `x-amz-copy-source`, already escaped: `bucket/escaped-key`. */
  readonly copySource: string;
  readonly size: number;
  /** Preferred part size; grown so the copy fits in 10,000 parts. */
  readonly partSize: number;
  /** The source's ETag: every part copy is conditional on it. */
  readonly sourceEtag: string;
  /** The source's user metadata and content type, as HEAD returned them. */
  readonly metadata: Record<string, string>;
  readonly contentType?: string;
  /** Complete only if nothing exists at the key (If-None-Match: *, where the service honours it). */
  readonly ifNoneMatch: boolean;
  /** Whether AbortMultipartUpload exists here (see Quirks.manageUploads). */
  readonly canAbort: boolean;
  readonly limit: LimitFunction;
  readonly signal?: AbortSignal;
}

export function copyPartSize(size: number, preferred: number): number {
  let part = Math.min(Math.max(preferred, MIN_PART_SIZE), MAX_COPY_PART);
  if (Math.ceil(size / part) > MAX_PARTS) part = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  return part;
}

export async function copyMultipart(o: MultipartCopy): Promise<{ etag: string; versionId?: string }> {
  const send = o.signal !== undefined ? { abortSignal: o.signal } : {};
  const created = await o.client.send(
    new CreateMultipartUploadCommand({
      Bucket: o.bucket,
      Key: o.key,
      Metadata: o.metadata,
      ...(o.contentType !== undefined ? { ContentType: o.contentType } : {}),
    }),
    send,
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new Error('CreateMultipartUpload returned no upload id');
  try {
    const partSize = copyPartSize(o.size, o.partSize);
    const count = Math.max(1, Math.ceil(o.size / partSize));
    const settled = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        o.limit(async () => {
          o.signal?.throwIfAborted();
          const start = i * partSize;
          const end = Math.min(o.size, start + partSize) - 1;
          const res = await o.client.send(
            new UploadPartCopyCommand({
              Bucket: o.bucket,
              Key: o.key,
              UploadId: uploadId,
              PartNumber: i + 1,
              CopySource: o.copySource,
              // An empty object has no byte range to name: copy it whole.
              ...(o.size > 0 ? { CopySourceRange: `bytes=${start}-${end}` } : {}),
              CopySourceIfMatch: quoteEtag(o.sourceEtag),
            }),
            send,
          );
          return { PartNumber: i + 1, ETag: quoteEtag(unquoteEtag(res.CopyPartResult?.ETag)) };
        }),
      ),
    );
    const parts = [];
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason;
      parts.push(s.value);
    }
    const done = await o.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: o.bucket,
        Key: o.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ...(o.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
      }),
      send,
    );
    return { etag: unquoteEtag(done.ETag), ...(done.VersionId !== undefined && done.VersionId !== 'null' ? { versionId: done.VersionId } : {}) };
  } catch (err) {
    if (o.canAbort) {
      // Best effort, and not under the caller's signal: an interrupted copy must still clean up.
      await o.client.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, UploadId: uploadId })).catch(() => undefined);
    }
    throw err;
  }
}
