/**
 * Opening a remote from its address. The AWS SDK is loaded with a dynamic import only when an s3
 * remote is opened: a file:// run (and every command that never touches the remote) starts without
 * paying for it.
 */
import type { Capabilities, PendingUpload, Remote } from './remote.js';
import type { RemoteSpec } from './spec.js';
import type { S3RemoteOptions } from './s3/s3-remote.js';

export { bucketProblem, displayRemote, parseRemoteUrl, type RemoteSpec } from './spec.js';
export type { PendingUpload } from './remote.js';

/**
 * How to open a remote: the S3 remote's own options less the address (which comes from the spec).
 * A type-only import: it is erased at compile time, so the SDK still loads only for s3 remotes.
 * A file:// remote ignores them.
 */
export type OpenOptions = Omit<S3RemoteOptions, 'bucket' | 'prefix' | 'onMultipartPart'>;

/** What `probeCapabilities()` reports: the Remote capabilities plus S3's conditional deletes and copies. */
export interface ProbedCapabilities extends Capabilities {
  readonly conditionalDeletes?: boolean;
  readonly conditionalCopies?: boolean;
}

/**
 * A Remote plus what `init`, `doctor` and upload cleanup need.
 *
 * The upload methods are optional: only remotes that upload in parts (S3) have them, and a
 * caller checks for them (`remote.listUploads?.(...)`; `discardUpload` is part of Remote itself,
 * so that it passes through the wrappers). Where the service lacks the API (s3rver)
 * they exist but find nothing / do nothing.
 */
export interface OpenedRemote extends Remote {
  /** `init --create-bucket`: make the bucket (or directory); fine when it already exists. */
  createBucket(): Promise<void>;
  /** Find out by trying what the service really supports (writes and removes one probe object). */
  probeCapabilities(): Promise<ProbedCapabilities>;
  /** Multipart uploads in progress under the remote's prefix (for cleaning up abandoned ones). */
  listUploads?(signal?: AbortSignal): AsyncIterable<PendingUpload>;
  /** Abort one upload (its parts are deleted); fine when it is already gone. */
  abortUpload?(path: string, uploadId: string, signal?: AbortSignal): Promise<void>;
}

export async function openRemote(spec: RemoteSpec, options: OpenOptions = {}): Promise<OpenedRemote> {
  if (spec.kind === 'file') {
    const { FileRemote } = await import('./file/file-remote.js');
    return new FileRemote(spec.root);
  }
  const { S3Remote } = await import('./s3/s3-remote.js');
  return new S3Remote({ bucket: spec.bucket, prefix: spec.prefix, ...options });
}
