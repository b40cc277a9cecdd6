/**
 * lsync's own multipart upload: CreateMultipartUpload, UploadPart in parallel, then
 * CompleteMultipartUpload.
 *
 * Not lib-storage's `Upload`: that one hides its parts and cannot resume. Here the bookkeeping is
 * explicit (`MultipartState`: upload id, part size, every finished part's number, size and ETag)
 * and reported through `onPart`, and, with `resume` (PutOptions.resume), persisted as a checkpoint
 * so that a later put of the same content continues the same upload:
 *
 * - start: `load()` the checkpoint. If it describes this upload (bucket, key, size, part size and
 *   content MD5 all equal), ask the service which parts it holds (ListParts, paginated) and send
 *   only the others; where the service has no ListParts, trust the recorded ETags. If the upload is
 *   gone (NoSuchUpload) or the checkpoint is for something else, abort that upload (best effort),
 *   `clear()`, and start a new one.
 * - after each part: `save()` the bookkeeping. Saves are serialised and coalesced: never two at
 *   once, and a save that finishes while parts completed meanwhile is followed by one save of the
 *   latest state (not one per part).
 * - end: complete, then `clear()`. On failure or abort a resumable upload is left on the service
 *   (that is the point); a non-resumable one is aborted, as is a resumable one whose checkpoint could
 *   not be saved (nothing would find it again).
 *
 * Memory and CPU: each part in flight is a stream read from the file in small chunks (no buffer of
 * the part's size: a 512 MiB file with 16 parts of 16 MiB in flight peaked at 420 MiB RSS with
 * buffers, 135 MiB streamed), and the number of parts in flight is capped by `limit`. The SDK
 * neither retries a streamed body nor signs its payload (UNSIGNED-PAYLOAD; AWS, where checksums
 * are on, gets a CRC32 trailer instead); so parts are retried here, each attempt with a fresh
 * stream, and each part's ETag is checked against its MD5, computed beside the transfer by a worker
 * thread reading the same bytes (scan/md5-thread.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LimitFunction } from 'p-limit';
import { backoff, retrying } from '../backoff.js';
import { RemoteError, type UploadCheckpointStore } from '../remote.js';
import { classify, isAbort } from './errors.js';
import { quoteEtag, unquoteEtag } from './meta.js';
import { pacedSource, type Throttle } from './pace.js';
import { CheckpointWriter, isRecord, parseCheckpoint, partCountOf, partLength, sameMetadata, usableParts, type CheckpointState, type PartRecord } from './checkpoint.js';
import { SourceChanged, type PartSource } from './part-source.js';

export { parseCheckpoint, type CheckpointState, type PartRecord } from './checkpoint.js';

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

export interface MultipartState {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly size: number;
  readonly partSize: number;
  /** Content MD5 (lowercase hex) of what is being uploaded: the identity a resume checks. */
  readonly md5?: string;
  /** Finished parts, in completion order. */
  readonly parts: readonly PartRecord[];
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
  /** A part's ETag is its MD5 (false under SSE-KMS / SSE-C, sse.ts): then it is not compared. */
  readonly etagIsMd5: boolean;
  /** Sent with CompleteMultipartUpload when the service honours conditional writes. */
  readonly ifMatch?: string;
  readonly ifNoneMatch?: boolean;
  /**
   * Bytes sent, as each part streams (a progress line moves with the bytes, not by whole parts).
   * A retried part counts only what goes beyond its earlier attempts: the sum is the bytes of the
   * parts sent, once each.
   */
  readonly onProgress?: (bytes: number) => void;
  /** Paces each part's bytes on the wire (PutOptions.throttle). */
  readonly throttle?: Throttle;
  /** Called after each part finishes, with the bookkeeping so far. */
  readonly onPart?: (state: MultipartState) => void;
  /** Make the upload resumable through this checkpoint store (see the header comment). */
  readonly resume?: ResumeParams;
  readonly signal?: AbortSignal;
}

export interface ResumeParams {
  readonly store: UploadCheckpointStore;
  /** The content MD5 of this put (its meta.md5): a checkpoint for other content is not used. */
  readonly md5: string;
  /** The service answers ListParts (quirks.ts); false: recorded ETags are trusted as they are. */
  readonly listParts: boolean;
}

export interface MultipartResult {
  readonly etag: string;
  readonly versionId?: string;
  readonly state: MultipartState;
}

function errorName(err: unknown): string {
  if (!isRecord(err)) return '';
  const v = err['Code'] ?? err['name'];
  return typeof v === 'string' ? v : '';
}

function httpStatus(err: unknown): number | undefined {
  const meta = isRecord(err) ? err['$metadata'] : undefined;
  const status = isRecord(meta) ? meta['httpStatusCode'] : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** The service does not implement the request at all (rather than refusing this one). */
function notImplemented(err: unknown): boolean {
  const name = errorName(err);
  const status = httpStatus(err);
  return name === 'NotImplemented' || name === 'MethodNotAllowed' || status === 501 || status === 405;
}

/** `source` passed through, every chunk fed to `hash`; errors and destroy go both ways. */
function hashing(source: Readable, hash: Hash): Readable {
  const out = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  source.on('error', (err) => out.destroy(err));
  out.on('close', () => source.destroy());
  return source.pipe(out);
}

/** `source` passed through; `streamed` hears how many bytes went by so far, after each chunk. */
function counting(source: Readable, streamed: (total: number) => void): Readable {
  let total = 0;
  const out = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
      total += chunk.length;
      streamed(total);
      done(null, chunk);
    },
  });
  source.on('error', (err) => out.destroy(err));
  out.on('close', () => source.destroy());
  return source.pipe(out);
}

/** Completing failed because the upload, or a part we counted on, is not on the service. */
class StaleUpload extends Error {
  override readonly name = 'StaleUpload';
}

async function abortQuietly(client: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  // Best effort: an upload left behind only costs storage until a lifecycle rule or `listUploads`
  // cleanup removes it (and some servers, s3rver, cannot abort at all).
  await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
}

async function createUpload(p: MultipartParams): Promise<string> {
  const created = await p.client.send(
    new CreateMultipartUploadCommand({ Bucket: p.bucket, Key: p.key, Metadata: p.metadata }),
    p.signal !== undefined ? { abortSignal: p.signal } : {},
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined || uploadId === '') throw new Error('CreateMultipartUpload returned no UploadId');
  return uploadId;
}

/**
 * The parts the service holds for `cp`'s upload (ListParts, every page), or undefined when the
 * upload is gone. Parts it holds that the checkpoint missed (finished just before a crash, before
 * their save) are taken too: they belong to this upload id, which only ever received this content.
 * Where ListParts is not implemented after all, the recorded parts are trusted.
 */
async function partsOnService(p: MultipartParams, cp: CheckpointState): Promise<PartRecord[] | undefined> {
  const found: PartRecord[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await p.client.send(
        new ListPartsCommand({
          Bucket: cp.bucket,
          Key: cp.key,
          UploadId: cp.uploadId,
          ...(marker !== undefined ? { PartNumberMarker: marker } : {}),
        }),
        p.signal !== undefined ? { abortSignal: p.signal } : {},
      );
      for (const part of page.Parts ?? []) {
        if (part.PartNumber === undefined || part.Size === undefined) continue;
        found.push({ partNumber: part.PartNumber, size: part.Size, etag: unquoteEtag(part.ETag) });
      }
      const next = page.NextPartNumberMarker;
      marker = page.IsTruncated === true && next !== undefined && next !== '' && next !== marker ? next : undefined;
    } while (marker !== undefined);
  } catch (err) {
    if (isAbort(err)) throw err;
    if (errorName(err) === 'NoSuchUpload' || classify(err) === 'not-found') return undefined;
    if (notImplemented(err)) return usableParts(cp.parts, cp.size, cp.partSize);
    throw err;
  }
  return usableParts(found, cp.size, cp.partSize);
}

interface Start {
  readonly uploadId: string;
  readonly parts: readonly PartRecord[];
  readonly resumed: boolean;
}

/** Continue the checkpointed upload when it is this one and still exists; otherwise a new upload. */
async function resumeOrCreate(p: MultipartParams, r: ResumeParams): Promise<Start> {
  // A store that cannot read its checkpoint is treated as empty: the next save replaces it.
  const loaded = await r.store.load().catch(() => undefined);
  const cp = parseCheckpoint(loaded?.state);
  if (cp !== undefined) {
    const same =
      cp.bucket === p.bucket && cp.key === p.key && cp.size === p.size && cp.partSize === p.partSize &&
      cp.md5 === r.md5 && sameMetadata(cp.metadata, p.metadata);
    if (same) {
      const parts = r.listParts ? await partsOnService(p, cp) : usableParts(cp.parts, cp.size, cp.partSize);
      if (parts !== undefined) return { uploadId: cp.uploadId, parts, resumed: true };
      // Gone (completed, aborted, or expired by a lifecycle rule): nothing to abort.
    } else {
      await abortQuietly(p.client, cp.bucket, cp.key, cp.uploadId);
    }
  }
  if (loaded !== undefined) await r.store.clear();
  return { uploadId: await createUpload(p), parts: [], resumed: false };
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/i;

/** A failure worth another attempt at the same part: throttling, 5xx, a dropped connection, a bad digest. */
function retryable(err: unknown): boolean {
  if (err instanceof RemoteError) return err.kind === 'transient';
  return classify(err) === 'transient';
}

/**
 * One attempt at one part: a fresh stream of its bytes as the body (no buffer of the part's size:
 * memory does not grow with the part size or the number of parts in flight), then the ETag the
 * service returns checked against the part's MD5, computed meanwhile by the source (a worker
 * thread reading the file: the thread streaming the bytes does not hash them too). Resolves to
 * that ETag.
 */
async function sendPart(p: MultipartParams, uploadId: string, partNumber: number, offset: number, length: number, signal: AbortSignal, streamed: (total: number) => void): Promise<string> {
  const expected = p.source.md5(offset, length);
  // Awaited only once the part is sent; a failure before that must not count as unhandled.
  expected.catch(() => undefined);
  // The bytes really sent are hashed as they are read: a file rewritten during the upload shows
  // here, whatever the service's ETags mean (defect 0 of issue 11: a torn object).
  const sentHash = createHash('md5');
  let body = hashing(p.source.stream(offset, length), sentHash);
  if (p.throttle !== undefined) body = pacedSource(body, p.throttle, signal);
  // Counted after the pacing: what the request takes, as it takes it.
  body = counting(body, streamed);
  // The HTTP handler pipes the body into the request, which never learns that the body failed (the
  // file shrank): the request would wait for the missing bytes. Abort it with the body's error.
  const bodyFailed = new AbortController();
  body.on('error', (err) => bodyFailed.abort(err));
  let res;
  try {
    res = await p.client.send(
      new UploadPartCommand({ Bucket: p.bucket, Key: p.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: length }),
      { abortSignal: AbortSignal.any([signal, bodyFailed.signal]) },
    );
  } catch (err) {
    throw bodyFailed.signal.aborted ? bodyFailed.signal.reason : err;
  } finally {
    body.destroy();
  }
  const etag = unquoteEtag(res.ETag);
  if (etag === '') throw new Error(`UploadPart ${partNumber} returned no ETag`);
  const md5 = await expected;
  if (sentHash.digest('hex') !== md5) throw new SourceChanged(`part ${partNumber} of ${p.key}: the file's bytes are no longer the ones hashed before the upload`);
  // A part's ETag is its MD5 except under SSE-KMS / SSE-C, where it only looks like one (32 hex
  // digits) and nothing can be compared. The bytes sent were the right ones (above): a different
  // ETag is damage on the way, worth a retry.
  if (p.etagIsMd5 && PLAIN_MD5.test(etag) && etag.toLowerCase() !== md5) {
    throw new RemoteError('transient', `part ${partNumber} of ${p.key}: the service holds other bytes than the file's (ETag ${etag}, MD5 ${md5}; changed while uploading?)`);
  }
  return etag;
}

/** Upload `size` bytes as a multipart object. Errors are raw SDK errors; the caller maps them. */
export async function uploadMultipart(p: MultipartParams): Promise<MultipartResult> {
  const start: Start =
    p.resume !== undefined ? await resumeOrCreate(p, p.resume) : { uploadId: await createUpload(p), parts: [], resumed: false };
  try {
    return await runUpload(p, start);
  } catch (err) {
    if (!(err instanceof StaleUpload) || p.resume === undefined) throw err;
    // Completing a continued upload failed because the service lost it or one of its parts (a
    // service without ListParts, where the recorded ETags were trusted): start over, once.
    await abortQuietly(p.client, p.bucket, p.key, start.uploadId);
    await p.resume.store.clear();
    return runUpload(p, { uploadId: await createUpload(p), parts: [], resumed: false });
  }
}

async function runUpload(p: MultipartParams, start: Start): Promise<MultipartResult> {
  const { uploadId } = start;
  const resume = p.resume;
  const parts: PartRecord[] = [...start.parts];
  const snapshot = (): MultipartState => ({
    bucket: p.bucket, key: p.key, uploadId, size: p.size, partSize: p.partSize,
    ...(resume !== undefined ? { md5: resume.md5 } : {}),
    parts: [...parts],
  });
  const writer = resume !== undefined ? new CheckpointWriter(resume.store) : undefined;
  const checkpoint = (): void => {
    if (writer === undefined || resume === undefined) return;
    writer.update({
      v: 1, bucket: p.bucket, key: p.key, uploadId, size: p.size, partSize: p.partSize, md5: resume.md5,
      metadata: p.metadata, parts: [...parts].sort((a, b) => a.partNumber - b.partNumber),
    });
  };
  // Saved before any part is sent, so that even an upload interrupted during its first part is
  // found again (to continue or to abort), and after a resume so it reflects what ListParts found.
  checkpoint();

  const partCount = partCountOf(p.size, p.partSize);
  const have = new Set(parts.map((part) => part.partNumber));
  // First failure stops parts that have not started yet.
  const stop = new AbortController();
  const signal = p.signal !== undefined ? AbortSignal.any([p.signal, stop.signal]) : stop.signal;
  // Every part waiting for its turn or in flight listens on it: a large file has hundreds of parts.
  setMaxListeners(0, signal);

  // The SDK's own retry does not apply to streamed bodies: parts get as many tries as it would give.
  const policy = backoff({ attempts: await p.client.config.maxAttempts() });
  const uploadPart = async (partNumber: number): Promise<void> => {
    const offset = (partNumber - 1) * p.partSize;
    const length = partLength(partNumber, p.size, p.partSize);
    // Bytes of this part already reported: an attempt after a failure streams the part again from
    // its start, and reports only past what the earlier attempts did.
    let reported = 0;
    const streamed = (total: number): void => {
      const upTo = Math.min(total, length);
      if (upTo <= reported) return;
      p.onProgress?.(upTo - reported);
      reported = upTo;
    };
    // The SDK does not retry streamed bodies (it cannot rewind them): transient failures are
    // retried here with the project's backoff, each attempt with a fresh stream from the source.
    const etag = await retrying(policy, { retryable: (err) => !isAbort(err) && retryable(err), signal }, () =>
      sendPart(p, uploadId, partNumber, offset, length, signal, streamed),
    );
    parts.push({ partNumber, size: length, etag });
    streamed(length); // whatever the stream did not report (none, unless it was bypassed)
    p.onPart?.(snapshot());
    checkpoint();
  };

  try {
    const jobs: Promise<void>[] = [];
    for (let n = 1; n <= partCount; n++) {
      if (have.has(n)) continue;
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
    let done;
    try {
      done = await p.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: p.bucket,
          Key: p.key,
          UploadId: uploadId,
          MultipartUpload: { Parts: ordered.map((part) => ({ PartNumber: part.partNumber, ETag: quoteEtag(part.etag) })) },
          ...(p.ifMatch !== undefined ? { IfMatch: quoteEtag(p.ifMatch) } : {}),
          ...(p.ifNoneMatch === true ? { IfNoneMatch: '*' } : {}),
        }),
        p.signal !== undefined ? { abortSignal: p.signal } : {},
      );
    } catch (err) {
      const name = errorName(err);
      if (start.resumed && (name === 'NoSuchUpload' || name === 'InvalidPart' || name === 'InvalidPartOrder')) {
        throw new StaleUpload(`the service no longer has upload ${uploadId} as recorded (${name})`, { cause: err });
      }
      throw err;
    }
    await writer?.flush();
    // Best effort: a checkpoint left behind names a completed upload; the next put of this path
    // finds it gone (NoSuchUpload) and starts afresh, and `stale()` drops it once the file changes.
    await resume?.store.clear().catch(() => undefined);
    return {
      etag: unquoteEtag(done.ETag),
      ...(done.VersionId !== undefined ? { versionId: done.VersionId } : {}),
      state: snapshot(),
    };
  } catch (err) {
    await writer?.flush();
    // Resumable: leave the upload for the next put to continue (the point of the checkpoint),
    // unless its content is gone from the file: nothing could ever complete it.
    if (writer !== undefined && !writer.failed && !(err instanceof SourceChanged)) throw err;
    await abortQuietly(p.client, p.bucket, p.key, uploadId);
    if (err instanceof StaleUpload) throw err;
    await resume?.store.clear().catch(() => undefined);
    throw err;
  }
}
