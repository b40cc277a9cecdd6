/**
 * S3 provider quirks: the settings S3Remote and the client read, selected from the provider table
 * (providers.ts, the data). This is the only module that decides which service lsync is talking to;
 * everything else reads a `Quirks` record.
 *
 * The provider comes from, in order: the `provider` option (`--provider`, or `provider:` in the
 * config), the `LSYNC_S3_PROVIDER` environment variable (test servers set it, see
 * test/support/servers.ts), then the endpoint: no endpoint or a host in the table (`amazonaws.com`,
 * `r2.cloudflarestorage.com`, ...) is that service, a local server's default port is that server,
 * anything else is `other` (nothing assumed that a wrong guess would make unsafe).
 */
import { ALL_PROVIDERS, PROVIDER_TABLE, providerNamed, providerOfEndpoint, USER_PROVIDERS, type ProviderName, type ProviderProfile } from './providers.js';

export type Provider = ProviderName;

export const PROVIDERS: readonly Provider[] = ALL_PROVIDERS;

export interface Quirks {
  readonly provider: Provider;
  /** The table row everything below is read from (doctor prints it). */
  readonly profile: ProviderProfile;
  /**
   * SDK checksum options. Since SDK 3.729 the default (`WHEN_SUPPORTED`) sends CRC32 trailers with
   * aws-chunked encoding, which most non-AWS servers reject or store garbled.
   */
  readonly requestChecksumCalculation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  readonly responseChecksumValidation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Path-style URLs (`host/bucket/key`): local servers have no wildcard DNS for virtual hosts. */
  readonly forcePathStyle: boolean;
  /**
   * How to escape the key in `x-amz-copy-source`. AWS percent-decodes it and treats `?` as the
   * start of `versionId`, so every segment is escaped (`segment`). s3rver runs `decodeURI` on it,
   * which leaves `%23 %3F %2B ...` undecoded, so it needs `encodeURI`-style escaping (`uri`).
   */
  readonly copySourceEncoding: 'segment' | 'uri';
  /**
   * ListObjectsV2 returns keys in UTF-8 byte order. s3rver walks its storage directories instead
   * (`a/b` before `a-b`), so its listings are collected and sorted here. Its pagination follows the
   * same walk, so a listing past 1,000 keys may also miss keys there: a test server only.
   */
  readonly sortedListing: boolean;
  /** Region to sign with when none is configured (the endpoint's own, or the provider's fixed one). */
  readonly defaultRegion: string | undefined;
  /**
   * ListParts works, so a resumed upload asks the service which parts it holds. s3rver answers it
   * with 405 MethodNotAllowed: there the checkpoint's recorded ETags are trusted (a service found
   * at run time to lack it is treated the same way, see multipart.ts).
   */
  readonly listParts: boolean;
  /**
   * ListMultipartUploads and AbortMultipartUpload work (stale-upload cleanup). s3rver has neither
   * (501 / 405): there `listUploads()` finds nothing and `abortUpload()` does nothing.
   */
  readonly manageUploads: boolean;
  /**
   * UploadPartCopy works (copies above the CopyObject limit go in parts). s3rver refuses it
   * (501 NotImplemented): there such a copy throws 'unsupported' at once, before creating an upload
   * it could not abort.
   */
  readonly partCopy: boolean;
  /**
   * A listing shows every write that completed before it was sent (read-after-write listings), so
   * where conditional writes are missing, the overwrite guard of many small puts can be one
   * listing per folder instead of one HEAD per key (presence.ts). Unknown services: HEAD.
   */
  readonly consistentListing: boolean;
  /**
   * ListObjectsV2 with Delimiter='/' names every top-level folder, so a large prefix can be listed
   * folder by folder in parallel (list-parallel.ts). s3rver only reports a folder that holds a key
   * directly (`a/b/c` alone yields no `a/`): never there, nor on unknown services.
   */
  readonly delimiterListing: boolean;
  /**
   * A multipart ETag is the MD5 of the parts' MD5s, so a local file can be matched against it
   * (app/multipart-etag.ts). R2, B2 and GCS return tokens that mean nothing.
   */
  readonly multipartEtagIsMd5OfParts: boolean;
  /** Largest object a single CopyObject copies. */
  readonly copyLimit: number;
}

export function isProvider(s: string): s is Provider {
  return (PROVIDERS as readonly string[]).includes(s);
}

/**
 * Local servers' default ports. Not unambiguous, but only ever seen on a developer's machine, and
 * every one of them gets settings that are safe on any S3-compatible service except s3rver's own.
 */
const LOCAL_PORTS: Readonly<Record<string, Provider>> = { '9000': 'minio', '4568': 's3rver', '5000': 'moto', '3900': 'garage' };

/** Which provider an endpoint (undefined = AWS itself) belongs to, unless `explicit` says. */
export function detectProvider(endpoint: string | undefined, explicit?: string): Provider {
  if (explicit !== undefined && explicit !== '') {
    const named = providerNamed(explicit);
    if (named === undefined) throw new Error(`unknown S3 provider "${explicit}" (known: ${USER_PROVIDERS.join(', ')})`);
    return named;
  }
  const byHost = providerOfEndpoint(endpoint);
  if (byHost !== undefined) return byHost;
  let url: URL;
  try {
    url = new URL(endpoint ?? '');
  } catch {
    return 'other';
  }
  const host = url.hostname.toLowerCase();
  for (const name of ['minio', 's3rver', 'moto', 'garage'] as const) if (host.includes(name)) return name;
  return LOCAL_PORTS[url.port] ?? 'other';
}

export function quirksFor(provider: Provider): Quirks {
  const p = PROVIDER_TABLE[provider];
  const checksums = p.checksums === 'when-supported' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED';
  return {
    provider,
    profile: p,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    forcePathStyle: p.addressing === 'path',
    copySourceEncoding: p.copySourceEncoding,
    sortedListing: p.listing.sorted,
    defaultRegion: p.defaultRegion,
    listParts: p.listParts,
    manageUploads: p.manageUploads,
    partCopy: p.partCopy,
    consistentListing: p.listing.consistent,
    delimiterListing: p.listing.delimiter && p.listing.sorted,
    multipartEtagIsMd5OfParts: p.multipartEtag === 'md5-of-parts',
    copyLimit: p.copyLimit,
  };
}
