/**
 * Every S3-compatible service lsync knows, as data: one row per provider, read by quirks.ts (which
 * turns a row into the settings S3Remote and the client use) and by `lsync doctor` (which prints
 * what a row promises beside what the bucket really does). No code here branches on a provider.
 *
 * Where a fact differs between a service's versions or accounts (conditional writes, versioning),
 * the row says what to expect and `doctor`/`init` probe the bucket anyway: the recorded probe wins.
 * Sources: each service's S3 compatibility page, and rclone's provider table (backend/s3/provider).
 */

/** What `--provider` accepts (the user-facing names) plus the two test servers. */
export type ProviderName = 'aws' | 'r2' | 'b2' | 'wasabi' | 'minio' | 'ceph' | 'gcs' | 'garage' | 'other' | 's3rver' | 'moto';

/** The names `--provider` documents; `s3rver` and `moto` are accepted too (the test servers). */
export const USER_PROVIDERS: readonly ProviderName[] = ['aws', 'r2', 'b2', 'wasabi', 'minio', 'ceph', 'gcs', 'garage', 'other'];
export const ALL_PROVIDERS: readonly ProviderName[] = [...USER_PROVIDERS, 's3rver', 'moto'];

/** Older spellings still accepted (a config written before the table had `generic`). */
export const PROVIDER_ALIASES: Readonly<Record<string, ProviderName>> = { generic: 'other', cloudflare: 'r2', backblaze: 'b2', google: 'gcs', rgw: 'ceph' };

/** A service's own answer to "does it do X": yes, no, or it depends on the bucket or version (probe it). */
export type Expect = 'yes' | 'no' | 'probe';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export interface ProviderProfile {
  readonly name: ProviderName;
  /** For messages and docs: "Cloudflare R2". */
  readonly title: string;
  /**
   * `virtual`: `bucket.host/key` (AWS's default, needed for new AWS buckets' DNS); `path`:
   * `host/bucket/key` (what self-hosted services and local servers answer without wildcard DNS).
   */
  readonly addressing: 'virtual' | 'path';
  /**
   * The SDK's checksum options. `when-supported` is the SDK's default since 3.729 (CRC32 trailers
   * with aws-chunked bodies on every upload): services that do not implement it reject the upload
   * or store the trailer as content. `when-required` sends checksums only where S3 demands one.
   */
  readonly checksums: 'when-supported' | 'when-required';
  /**
   * A multipart object's ETag is `md5(part md5s)-N`, so lsync can recompute it from a local file
   * (app/multipart-etag.ts). `opaque`: a random or service-specific token that means nothing.
   */
  readonly multipartEtag: 'md5-of-parts' | 'opaque';
  /** Largest object one CopyObject copies; bigger ones need UploadPartCopy (`partCopy`). */
  readonly copyLimit: number;
  readonly partCopy: boolean;
  readonly parts: { readonly min: number; readonly max: number; readonly maxCount: number };
  /**
   * Listing quirks. `sorted`: keys come in UTF-8 byte order. `delimiter`: Delimiter='/' names every
   * top-level folder (so folders can be listed side by side). `consistent`: a listing shows every
   * write that completed before it (read-after-write).
   */
  readonly listing: { readonly sorted: boolean; readonly delimiter: boolean; readonly consistent: boolean };
  /** `segment`: every key segment percent-escaped in x-amz-copy-source; `uri`: encodeURI (s3rver decodes with decodeURI). */
  readonly copySourceEncoding: 'segment' | 'uri';
  /** ListParts answers (a resumed upload asks which parts the service holds). */
  readonly listParts: boolean;
  /** ListMultipartUploads and AbortMultipartUpload work (stale-upload clean-up). */
  readonly manageUploads: boolean;
  /** PUT with If-None-Match / If-Match answered with 412 on mismatch. */
  readonly conditionalWrites: Expect;
  /** DeleteObject with If-Match. */
  readonly conditionalDeletes: Expect;
  /** Object versions (history and restore can use them). */
  readonly versioning: Expect;
  /** Region to sign with when none is configured; undefined: the SDK's own chain (profile, env). */
  readonly defaultRegion: string | undefined;
  /** Endpoint hosts that identify the service without doubt (suffix match on the host name). */
  readonly hostSuffixes: readonly string[];
  /** Where the endpoint's host names the region (`s3.<region>.backblazeb2.com`): group 1 of this. */
  readonly regionInHost?: RegExp;
  /** A worked endpoint for docs and `--help` (`<account>` and the like are placeholders). */
  readonly exampleEndpoint: string | undefined;
  /** One line for docs/doctor: what to know about this service. */
  readonly note: string;
}

const AWS_PARTS = { min: 5 * MiB, max: 5 * GiB, maxCount: 10_000 } as const;
const SORTED = { sorted: true, delimiter: true, consistent: true } as const;

/** The S3 behaviour most compatible services copy; rows below say where they differ. */
const S3_LIKE: Omit<ProviderProfile, 'name' | 'title' | 'hostSuffixes' | 'exampleEndpoint' | 'note'> = {
  addressing: 'path',
  checksums: 'when-required',
  multipartEtag: 'md5-of-parts',
  copyLimit: 5 * GiB,
  partCopy: true,
  parts: AWS_PARTS,
  listing: SORTED,
  copySourceEncoding: 'segment',
  listParts: true,
  manageUploads: true,
  conditionalWrites: 'probe',
  conditionalDeletes: 'probe',
  versioning: 'probe',
  defaultRegion: 'us-east-1',
};

export const PROVIDER_TABLE: Readonly<Record<ProviderName, ProviderProfile>> = {
  aws: {
    ...S3_LIKE,
    name: 'aws',
    title: 'Amazon S3',
    addressing: 'virtual',
    checksums: 'when-supported',
    conditionalWrites: 'yes',
    versioning: 'probe',
    defaultRegion: undefined,
    hostSuffixes: ['amazonaws.com', 'amazonaws.com.cn'],
    regionInHost: /^(?:.+\.)?s3[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/,
    exampleEndpoint: undefined,
    note: 'the region is found from the bucket and recorded; SSE-KMS and SSE-C objects have ETags that are not MD5s',
  },
  r2: {
    ...S3_LIKE,
    name: 'r2',
    title: 'Cloudflare R2',
    multipartEtag: 'opaque',
    conditionalWrites: 'yes',
    conditionalDeletes: 'no',
    versioning: 'no',
    defaultRegion: 'auto',
    hostSuffixes: ['r2.cloudflarestorage.com'],
    exampleEndpoint: 'https://<account-id>.r2.cloudflarestorage.com',
    note: 'region is always "auto"; multipart ETags are random, so large files are identified by lsync metadata only; no versioning',
  },
  b2: {
    ...S3_LIKE,
    name: 'b2',
    title: 'Backblaze B2',
    multipartEtag: 'opaque',
    versioning: 'yes',
    defaultRegion: undefined,
    hostSuffixes: ['backblazeb2.com'],
    regionInHost: /^s3\.([a-z0-9-]+)\.backblazeb2\.com$/,
    exampleEndpoint: 'https://s3.us-west-004.backblazeb2.com',
    note: 'the region is the endpoint\'s (us-west-004 above); buckets keep every version unless a lifecycle rule prunes them',
  },
  wasabi: {
    ...S3_LIKE,
    name: 'wasabi',
    title: 'Wasabi',
    versioning: 'probe',
    hostSuffixes: ['wasabisys.com'],
    regionInHost: /^s3\.([a-z0-9-]+)\.wasabisys\.com$/,
    exampleEndpoint: 'https://s3.eu-central-1.wasabisys.com',
    note: 'objects are billed for at least 90 days, deleted or not: frequent rewrites of large files cost',
  },
  minio: {
    ...S3_LIKE,
    name: 'minio',
    title: 'MinIO',
    conditionalWrites: 'yes',
    hostSuffixes: [],
    exampleEndpoint: 'http://127.0.0.1:9000',
    note: 'versioning needs an erasure-coded deployment; switch it on with `mc version enable`',
  },
  ceph: {
    ...S3_LIKE,
    name: 'ceph',
    title: 'Ceph RADOS Gateway',
    hostSuffixes: [],
    exampleEndpoint: 'https://rgw.example.org',
    note: 'conditional writes depend on the release (Squid and later honour If-None-Match): doctor checks',
  },
  gcs: {
    ...S3_LIKE,
    name: 'gcs',
    title: 'Google Cloud Storage (XML API, HMAC keys)',
    multipartEtag: 'opaque',
    copyLimit: Number.MAX_SAFE_INTEGER,
    partCopy: false,
    conditionalDeletes: 'no',
    defaultRegion: 'auto',
    hostSuffixes: ['storage.googleapis.com'],
    exampleEndpoint: 'https://storage.googleapis.com',
    note: 'use HMAC keys (Cloud Storage > Settings > Interoperability); copies of any size go in one request (no UploadPartCopy)',
  },
  garage: {
    ...S3_LIKE,
    name: 'garage',
    title: 'Garage',
    conditionalWrites: 'no',
    conditionalDeletes: 'no',
    versioning: 'no',
    defaultRegion: 'garage',
    hostSuffixes: [],
    exampleEndpoint: 'http://127.0.0.1:3900',
    note: 'region is "garage" unless s3_region says otherwise; no versioning; lsync guards overwrites with a look before each write',
  },
  other: {
    ...S3_LIKE,
    name: 'other',
    title: 'another S3-compatible service',
    // Unknown services: nothing assumed that a wrong guess would make unsafe.
    listing: { sorted: true, delimiter: false, consistent: false },
    hostSuffixes: [],
    exampleEndpoint: 'https://s3.example.com',
    note: 'run `lsync doctor` once: it finds out what the service does and records it',
  },
  s3rver: {
    ...S3_LIKE,
    name: 's3rver',
    title: 's3rver (test server)',
    copySourceEncoding: 'uri',
    listing: { sorted: false, delimiter: false, consistent: true },
    listParts: false,
    manageUploads: false,
    partCopy: false,
    conditionalWrites: 'no',
    conditionalDeletes: 'no',
    versioning: 'no',
    hostSuffixes: [],
    exampleEndpoint: 'http://127.0.0.1:4568',
    note: 'a test server: ignores conditions, no versioning, lists in its own order',
  },
  moto: {
    ...S3_LIKE,
    name: 'moto',
    title: 'moto (test server)',
    hostSuffixes: [],
    exampleEndpoint: 'http://127.0.0.1:5000',
    note: 'a test server',
  },
};

/** The canonical name for `s` (aliases resolved, case ignored), or undefined when unknown. */
export function providerNamed(s: string): ProviderName | undefined {
  const k = s.trim().toLowerCase();
  if ((ALL_PROVIDERS as readonly string[]).includes(k)) return k as ProviderName;
  return PROVIDER_ALIASES[k];
}

/**
 * The provider an endpoint belongs to when its host says so without doubt (undefined endpoint =
 * AWS itself); undefined when it does not (a bare IP, a company's own host name).
 */
export function providerOfEndpoint(endpoint: string | undefined): ProviderName | undefined {
  if (endpoint === undefined) return 'aws';
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  for (const p of ALL_PROVIDERS) {
    if (PROVIDER_TABLE[p].hostSuffixes.some((s) => host === s || host.endsWith(`.${s}`))) return p;
  }
  return undefined;
}

/** The region an endpoint's host name spells out for `provider`, if it does (B2, Wasabi, AWS regional hosts). */
export function regionOfEndpoint(provider: ProviderName, endpoint: string | undefined): string | undefined {
  const pattern = PROVIDER_TABLE[provider].regionInHost;
  if (endpoint === undefined || pattern === undefined) return undefined;
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return pattern.exec(host)?.[1];
}
