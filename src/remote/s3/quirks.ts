/**
 * S3 provider quirks, as data. This is the only module that may branch on which service lsync is
 * talking to; everything else reads a `Quirks` record.
 *
 * The provider comes from, in order: the `provider` option, the `LSYNC_S3_PROVIDER` environment
 * variable (test servers set it, see test/support/servers.ts), then the endpoint: no endpoint or an
 * `amazonaws.com` host is AWS, a host or default port known to belong to a server is that server,
 * anything else is `generic`.
 */

export type Provider = 'aws' | 's3rver' | 'moto' | 'minio' | 'generic';

export const PROVIDERS: readonly Provider[] = ['aws', 's3rver', 'moto', 'minio', 'generic'];

export interface Quirks {
  readonly provider: Provider;
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
  /** Region to sign with when none is configured (local servers accept anything). */
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
   * UploadPartCopy works (copies above the 5 GiB CopyObject limit go in parts). s3rver refuses it
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
}

const LOCAL: Omit<Quirks, 'provider'> = {
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  forcePathStyle: true,
  copySourceEncoding: 'segment',
  sortedListing: true,
  defaultRegion: 'us-east-1',
  listParts: true,
  manageUploads: true,
  partCopy: true,
  consistentListing: true,
  delimiterListing: true,
};

const TABLE: Readonly<Record<Provider, Omit<Quirks, 'provider'>>> = {
  aws: {
    requestChecksumCalculation: 'WHEN_SUPPORTED',
    responseChecksumValidation: 'WHEN_SUPPORTED',
    forcePathStyle: false,
    copySourceEncoding: 'segment',
    sortedListing: true,
    defaultRegion: undefined,
    listParts: true,
    manageUploads: true,
    partCopy: true,
    consistentListing: true,
    delimiterListing: true,
  },
  s3rver: { ...LOCAL, copySourceEncoding: 'uri', sortedListing: false, listParts: false, manageUploads: false, partCopy: false, delimiterListing: false },
  moto: LOCAL,
  minio: LOCAL,
  generic: { ...LOCAL, consistentListing: false, delimiterListing: false },
};

export function isProvider(s: string): s is Provider {
  return (PROVIDERS as readonly string[]).includes(s);
}

/** Which provider an endpoint (undefined = AWS itself) belongs to, unless `explicit` says. */
export function detectProvider(endpoint: string | undefined, explicit?: string): Provider {
  if (explicit !== undefined && explicit !== '') {
    if (!isProvider(explicit)) throw new Error(`unknown S3 provider "${explicit}" (known: ${PROVIDERS.join(', ')})`);
    return explicit;
  }
  if (endpoint === undefined) return 'aws';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'generic';
  }
  const host = url.hostname.toLowerCase();
  if (host === 'amazonaws.com' || host.endsWith('.amazonaws.com')) return 'aws';
  if (host.includes('minio') || url.port === '9000') return 'minio';
  if (host.includes('s3rver') || url.port === '4568') return 's3rver';
  if (host.includes('moto') || url.port === '5000') return 'moto';
  return 'generic';
}

export function quirksFor(provider: Provider): Quirks {
  return { provider, ...TABLE[provider] };
}
