/**
 * lsync's own multipart upload: CreateMultipartUpload, UploadPart in parallel, then
 * CompleteMultipartUpload; AbortMultipartUpload on failure.
 *
 * Not lib-storage's `Upload`: that one hides its parts and cannot resume. Here the bookkeeping is
 * explicit (`MultipartState`: upload id, part size, every finished part's number, size and ETag)
 * and reported through `onPart`, so a later checkpoint can persist it and resume.
 *
 * Memory: each in-flight part is one buffer of `partSize` bytes, and the number in flight is capped
 * by `limit`, which the S3Remote shares across all uploads: at most concurrency × part size.
 * Buffers (not streams) also let the SDK retry a part.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LimitFunction } from 'p-limit';
import { quoteEtag, unquoteEtag } from './meta.js';
import { pace, type Throttle } from './pace.js';

export const MiB = 1024 * 1024;
/** S3 rejects parts below 5 MiB (except the last one). */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PARTS = 10_000;

/** `preferred`, raised (in whole MiB) until `size` fits in 10,000 parts. */
export function choosePartSize(size: number, preferred: number): number {
  let partSize = Math.max(preferred, MIN_PART_SIZE);
  if (Math.ceil(size / partSize) > MAX_PARTS) partSize = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  return partSize;
}

export interface PartRecord {
  /** 1-based. Part n covers bytes [(n-1) × partSize, min(n × partSize, size)). */
  readonly partNumber: number;
  readonly size: number;
  /** ETag as the server returned it, without quotes. */
  readonly etag: string;
}

export interface MultipartState {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly size: number;
  readonly partSize: number;
  /** Finished parts, in completion order. */
  readonly parts: readonly PartRecord[];
}

/** Where part bytes come from: `read(offset, length)` returns exactly that many bytes. */
export interface PartSource {
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface MultipartParams {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly partSize: number;
  readonly source: PartSource;
  /** Shared concurrency limit for part uploads. */
  readonly limit: LimitFunction;
  readonly metadata: Record<string, string>;
  /** Sent with CompleteMultipartUpload when the service honours conditional writes. */
  readonly ifMatch?: string;
  readonly ifNoneMatch?: boolean;
  readonly onProgress?: (bytes: number) => void;
  /** Paces each part's bytes on the wire (PutOptions.throttle). */
  readonly throttle?: Throttle;
  /** Called after each part finishes, with the bookkeeping so far (for checkpoints). */
  readonly onPart?: (state: MultipartState) => void;
  readonly signal?: AbortSignal;
}

export interface MultipartResult {
  readonly etag: string;
  readonly versionId?: string;
  readonly state: MultipartState;
}

/** Upload `size` bytes as a multipart object. Errors are raw SDK errors; the caller maps them. */
export async function uploadMultipart(p: MultipartParams): Promise<MultipartResult> {
  const send = p.signal !== undefined ? { abortSignal: p.signal } : {};
  const created = await p.client.send(
    new CreateMultipartUploadCommand({ Bucket: p.bucket, Key: p.key, Metadata: p.metadata }),
    send,
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined || uploadId === '') throw new Error('CreateMultipartUpload returned no UploadId');

  const parts: PartRecord[] = [];
  const snapshot = (): MultipartState => ({
    bucket: p.bucket, key: p.key, uploadId, size: p.size, partSize: p.partSize, parts: [...parts],
  });
  const partCount = Math.max(1, Math.ceil(p.size / p.partSize));
  // First failure stops parts that have not started yet.
  const stop = new AbortController();
  const signal = p.signal !== undefined ? AbortSignal.any([p.signal, stop.signal]) : stop.signal;

  const uploadPart = async (partNumber: number): Promise<void> => {
    signal.throwIfAborted();
    const offset = (partNumber - 1) * p.partSize;
    const length = Math.min(p.partSize, p.size - offset);
    const body = await p.source.read(offset, length);
    const res = await p.client.send(
      pace(new UploadPartCommand({
        Bucket: p.bucket, Key: p.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: length,
      }), p.throttle, signal),
      { abortSignal: signal },
    );
    const etag = unquoteEtag(res.ETag);
    if (etag === '') throw new Error(`UploadPart ${partNumber} returned no ETag`);
    parts.push({ partNumber, size: length, etag });
    p.onProgress?.(length);
    p.onPart?.(snapshot());
  };

  try {
    const jobs: Promise<void>[] = [];
    for (let n = 1; n <= partCount; n++) {
      jobs.push(p.limit(() => uploadPart(n)).catch((err: unknown) => {
        stop.abort(err);
        throw err;
      }));
    }
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    // Report the root cause, not the "aborted" errors of the parts it cancelled.
    if (failed !== undefined) throw stop.signal.reason ?? failed.reason;

    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const done = await p.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: p.bucket,
        Key: p.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: ordered.map((part) => ({ PartNumber: part.partNumber, ETag: quoteEtag(part.etag) })) },
        ...(p.ifMatch !== undefined ? { IfMatch: quoteEtag(p.ifMatch) } : {}),
        ...(p.ifNoneMatch === true ? { IfNoneMatch: '*' } : {}),
      }),
      send,
    );
    return {
      etag: unquoteEtag(done.ETag),
      ...(done.VersionId !== undefined ? { versionId: done.VersionId } : {}),
      state: snapshot(),
    };
  } catch (err) {
    // Best effort: an upload left behind only costs storage until a lifecycle rule or the next run.
    await p.client
      .send(new AbortMultipartUploadCommand({ Bucket: p.bucket, Key: p.key, UploadId: uploadId }))
      .catch(() => undefined);
    throw err;
  }
}
