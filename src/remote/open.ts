/**
 * Opening a remote from its address. The AWS SDK is loaded with a dynamic import only when an s3
 * remote is opened: a file:// run (and every command that never touches the remote) starts without
 * paying for it.
 */
import type { Capabilities, Remote } from './remote.js';
import type { RemoteSpec } from './spec.js';

export { bucketProblem, displayRemote, parseRemoteUrl, type RemoteSpec } from './spec.js';

export interface OpenOptions {
  /** S3 only; each falls back to the standard AWS environment and config. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** Explicit credentials (tests); otherwise the standard AWS chain. Never stored or printed. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Quirks provider name (see s3/quirks.ts); default from LSYNC_S3_PROVIDER or the endpoint. */
  readonly provider?: string;
  /** Parallel requests. Default 4. */
  readonly concurrency?: number;
  readonly multipartThreshold?: number;
  readonly partSize?: number;
  /** As recorded at init from probeCapabilities(); default false (HEAD before conditional writes). */
  readonly conditionalWrites?: boolean;
  readonly conditionalDeletes?: boolean;
  readonly versioning?: boolean;
  readonly maxAttempts?: number;
}

/** What `probeCapabilities()` reports: the Remote capabilities plus S3's conditional deletes. */
export interface ProbedCapabilities extends Capabilities {
  readonly conditionalDeletes?: boolean;
}

/** A Remote plus what `init` and `doctor` need. */
export interface OpenedRemote extends Remote {
  /** `init --create-bucket`: make the bucket (or directory); fine when it already exists. */
  createBucket(): Promise<void>;
  /** Find out by trying what the service really supports (writes and removes one probe object). */
  probeCapabilities(): Promise<ProbedCapabilities>;
}

export async function openRemote(spec: RemoteSpec, options: OpenOptions = {}): Promise<OpenedRemote> {
  if (spec.kind === 'file') {
    const { FileRemote } = await import('./file/file-remote.js');
    return new FileRemote(spec.root);
  }
  const { S3Remote } = await import('./s3/s3-remote.js');
  return new S3Remote({ bucket: spec.bucket, prefix: spec.prefix, ...options });
}
