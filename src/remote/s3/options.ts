/** How an S3Remote is opened (s3-remote.ts): the address, the connection, and tuning. */
import type { ClientSettings } from './client.js';
import type { MultipartState } from './multipart.js';
import type { EncryptionSettings } from './sse.js';

export interface S3RemoteOptions {
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region?: string;
  /** `region` came from `--region`: never follow a redirect to another one (region.ts). */
  readonly regionForced?: boolean;
  /** Told once when a redirect names the bucket's region, so that the caller records it. */
  readonly onRegion?: (region: string) => void;
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
  /** CopyObject honours CopySourceIfMatch and If-None-Match (probed); otherwise copies check with HEADs. */
  readonly conditionalCopies?: boolean;
  /** Objects of at least this size are copied in parts (default: 5 GiB, CopyObject's limit; tests lower it). */
  readonly copyThreshold?: number;
  /** Preferred part size of a multipart copy (default 512 MiB; at least 5 MiB, at most 5 GiB). */
  readonly copyPartSize?: number;
  readonly versioning?: boolean;
  /**
   * Told (once) when the bucket's versioning, recorded as on, is found off or suspended by a run
   * about to replace an object: lsync then keeps copies itself (s3/versions.ts).
   */
  readonly onVersioningOff?: (message: string) => void;
  /** Server-side encryption (sse.ts); an SSE-C key variable that is unset or malformed fails the opening. */
  readonly encryption?: EncryptionSettings;
  /** SDK attempts per request (default 3). */
  readonly maxAttempts?: number;
  /** Called after each multipart part, with the upload's bookkeeping (for a resumable checkpoint). */
  readonly onMultipartPart?: (path: string, state: MultipartState) => void;
}
