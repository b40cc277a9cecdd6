/**
 * Multipart uploads left on the service (by interrupted resumable puts whose file then changed, or
 * by crashes): found with `listUploads()` and removed with `abortUpload()` / `discardUpload()`.
 * Services without the API (s3rver, quirks.ts `manageUploads`) list none and abort nothing.
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PendingUpload, UploadCheckpoint } from '../remote.js';
import { sendCached } from './client.js';
import { classify } from './errors.js';
import { BOOKKEEPING } from './listing.js';
import { parseCheckpoint } from './multipart.js';
import type { Quirks } from './quirks.js';

export interface UploadsContext {
  readonly client: S3Client;
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
  readonly quirks: Quirks;
  /** The error to throw for a failed request (the remote's mapping). */
  readonly fail: (err: unknown, what: string, path?: string) => unknown;
}

/**
 * Multipart uploads in progress under the prefix (ListMultipartUploads, every page), for cleaning
 * up uploads that nothing will continue. Services without the API (s3rver) list none.
 */
export async function* listUploads(u: UploadsContext, signal?: AbortSignal): AsyncIterable<PendingUpload> {
  if (!u.quirks.manageUploads) return;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    let page;
    try {
      page = await sendCached(
        u.client,
        new ListMultipartUploadsCommand({
          Bucket: u.bucket,
          Prefix: u.prefix,
          ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
          ...(uploadIdMarker !== undefined ? { UploadIdMarker: uploadIdMarker } : {}),
        }),
        signal,
      );
    } catch (err) {
      throw u.fail(err, 'list uploads in');
    }
    for (const upload of page.Uploads ?? []) {
      const key = upload.Key;
      if (key === undefined || !key.startsWith(u.prefix) || upload.UploadId === undefined) continue;
      const path = key.slice(u.prefix.length);
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
 * Abort the upload a resumable put's checkpoint describes (one `stale()` reported, say): the
 * checkpoint state stays opaque to the caller. Unrecognised states are ignored.
 */
export async function discardUpload(u: UploadsContext, checkpoint: UploadCheckpoint, signal?: AbortSignal): Promise<void> {
  const cp = parseCheckpoint(checkpoint.state);
  if (cp === undefined || cp.bucket !== u.bucket) return;
  const path = cp.key.startsWith(u.prefix) ? cp.key.slice(u.prefix.length) : cp.key;
  await abortUpload(u, cp.key, cp.uploadId, path, signal);
}

/**
 * Abort the multipart upload `uploadId` of `key` (`path`, for messages): its parts are deleted.
 * Succeeds when the upload is already gone; does nothing on services without AbortMultipartUpload.
 */
export async function abortUpload(u: UploadsContext, key: string, uploadId: string, path: string, signal?: AbortSignal): Promise<void> {
  if (!u.quirks.manageUploads) return;
  try {
    await u.client.send(new AbortMultipartUploadCommand({ Bucket: u.bucket, Key: key, UploadId: uploadId }), signal !== undefined ? { abortSignal: signal } : {});
  } catch (err) {
    if (classify(err) === 'not-found') return; // NoSuchUpload: the goal is reached
    throw u.fail(err, 'abort upload of', path);
  }
}
