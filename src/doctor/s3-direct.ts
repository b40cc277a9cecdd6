/**
 * What `lsync doctor` asks an S3 service directly, below lsync's Remote: which source of the AWS
 * credential chain answered, the service's clock, the bucket's versioning status, whether a
 * multipart upload completes, and the clean-up of the scratch prefix (every version and every
 * open upload under it). The Remote contract has none of these, and should not: they matter to a
 * diagnosis, not to a sync.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { makeClient, resolveEndpoint, resolveRegion } from '../remote/s3/client.js';
import { classify } from '../remote/s3/errors.js';
import { detectProvider, quirksFor, type Quirks } from '../remote/s3/quirks.js';
import { encryptionOf, type Encryption, type EncryptionSettings } from '../remote/s3/sse.js';

export interface S3Target {
  readonly bucket: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly provider?: string;
  /** `--region` was given: a redirect is an error naming the bucket's region, not followed. */
  readonly regionForced?: boolean;
  /** The remote's server-side encryption: the doctor's writes carry it as lsync's do. */
  readonly encryption?: EncryptionSettings;
}

export interface DirectClient {
  readonly client: S3Client;
  readonly quirks: Quirks;
  readonly encryption: Encryption;
  readonly endpoint: string | undefined;
  /** The region requests are signed for (undefined: the SDK's own chain, ~/.aws/config). */
  readonly region: string | undefined;
  /** The service's `Date` header of the last response, and the local time it arrived. */
  lastDate(): { readonly server: number; readonly local: number } | undefined;
  /** The bucket's region, when a redirect named it (remote/s3/region.ts). */
  learntRegion(): string | undefined;
}

/** A client built as S3Remote builds its own (same quirks, region and TLS), that keeps the Date header. */
export function directClient(t: S3Target): DirectClient {
  const endpoint = resolveEndpoint(t.endpoint);
  let learnt: string | undefined;
  const quirks = quirksFor(detectProvider(endpoint, t.provider ?? process.env['LSYNC_S3_PROVIDER']));
  const encryption = encryptionOf(t.encryption ?? {}, process.env, `s3://${t.bucket}`);
  const client = makeClient(
    {
      concurrency: 2,
      // The first answer is the diagnosis: no SDK retries hiding a refusal or a timeout.
      maxAttempts: 1,
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(t.region !== undefined ? { region: t.region } : {}),
      ...(t.profile !== undefined ? { profile: t.profile } : {}),
      regionForced: t.regionForced === true,
      onRegion: (r) => (learnt = r),
      encryption,
    },
    quirks,
  );
  let last: { server: number; local: number } | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const headers = (out.response as { headers?: Record<string, string | undefined> }).headers;
      const server = Date.parse(headers?.['date'] ?? '');
      if (Number.isFinite(server)) last = { server, local: Date.now() };
      return out;
    },
    { step: 'deserialize', name: 'lsyncDoctorDate' },
  );
  const region = resolveRegion(t.region, quirks, process.env, endpoint);
  return { client, quirks, encryption, endpoint, get region() { return learnt ?? region; }, lastDate: () => last, learntRegion: () => learnt };
}

/** `$source` feature ids the SDK's providers stamp on credentials → the chain's source, most specific first. */
const SOURCES: readonly (readonly [string, string])[] = [
  ['CREDENTIALS_CODE', 'explicit'],
  ['CREDENTIALS_PROFILE_SSO', 'sso'],
  ['CREDENTIALS_PROFILE_SSO_LEGACY', 'sso'],
  ['CREDENTIALS_SSO', 'sso'],
  ['CREDENTIALS_SSO_LEGACY', 'sso'],
  ['CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'web-identity'],
  ['CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN', 'web-identity'],
  ['CREDENTIALS_PROFILE_PROCESS', 'process'],
  ['CREDENTIALS_PROCESS', 'process'],
  ['CREDENTIALS_PROFILE_SOURCE_PROFILE', 'assumed-role'],
  ['CREDENTIALS_PROFILE_LOGIN', 'login'],
  ['CREDENTIALS_LOGIN', 'login'],
  ['CREDENTIALS_PROFILE', 'profile'],
  ['CREDENTIALS_ENV_VARS', 'environment'],
  ['CREDENTIALS_HTTP', 'container'],
  ['CREDENTIALS_IMDS', 'instance'],
];

export type CredentialAnswer = { readonly source: string } | { readonly error: string };

/** Which source of the standard chain gave credentials (the SDK stamps its providers' answers). */
export async function credentialSource(c: DirectClient): Promise<CredentialAnswer> {
  try {
    const creds = await c.client.config.credentials();
    // The SDK's providers stamp `$source` (@aws-sdk/types AwsCredentialIdentity); the client's type is smithy's, without it.
    const stamped = (creds as { $source?: Record<string, string> }).$source ?? {};
    const hit = SOURCES.find(([id]) => id in stamped);
    return { source: hit?.[1] ?? 'chain' };
  } catch (e) {
    return { error: (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '' };
  }
}

export type Reach = { readonly ok: true } | { readonly ok: false; readonly kind: string; readonly message: string };

/** HeadBucket: reachable, the bucket exists, and these credentials may use it. */
export async function headBucket(c: DirectClient, bucket: string): Promise<Reach> {
  try {
    await c.client.send(new HeadBucketCommand({ Bucket: bucket }));
    return { ok: true };
  } catch (err) {
    return { ok: false, kind: classify(err), message: err instanceof Error ? err.message : String(err) };
  }
}

export type VersioningWord = 'on' | 'off' | 'suspended' | 'unsupported';

export async function versioningStatus(c: DirectClient, bucket: string): Promise<VersioningWord> {
  try {
    const status = (await c.client.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
    return status === 'Enabled' ? 'on' : status === 'Suspended' ? 'suspended' : 'off';
  } catch {
    return 'unsupported'; // s3rver: NotImplemented; or not allowed to read it
  }
}

export interface MultipartAnswer {
  readonly ok: boolean;
  /** `md5-of-parts`: the ETag is md5(part md5s)-N, so lsync can match a local file against it. */
  readonly etag?: 'md5-of-parts' | 'opaque';
  readonly message?: string;
}

/** One small part (the last part may be any size), completed; the caller's clean-up removes the object. */
export async function multipartWorks(c: DirectClient, bucket: string, key: string): Promise<MultipartAnswer> {
  const body = Buffer.from('lsync doctor multipart part\n');
  let uploadId: string | undefined;
  try {
    uploadId = (await c.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId;
    if (uploadId === undefined) return { ok: false, message: 'CreateMultipartUpload answered without an upload id' };
    const part = await c.client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: body }));
    const done = await c.client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    uploadId = undefined;
    const partMd5 = createHash('md5').update(body).digest();
    const expected = `${createHash('md5').update(partMd5).digest('hex')}-1`;
    return { ok: true, etag: (done.ETag ?? '').replace(/"/g, '') === expected ? 'md5-of-parts' : 'opaque' };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  } finally {
    if (uploadId !== undefined) await c.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
  }
}

export interface Leftovers {
  readonly objects: number;
  readonly versions: number;
  readonly uploads: number;
}

/** Every version and delete marker under `prefix` (or, where versions cannot be listed, every object). */
async function versionsUnder(c: DirectClient, bucket: string, prefix: string): Promise<{ key: string; versionId?: string }[] | undefined> {
  const out: { key: string; versionId?: string }[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  try {
    for (;;) {
      const page = await c.client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        // 'null' is passed on too: deleting the null version by id removes it, a plain delete would add a marker.
        if (v.Key !== undefined) out.push({ key: v.Key, ...(v.VersionId !== undefined ? { versionId: v.VersionId } : {}) });
      }
      if (page.IsTruncated !== true) return out;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
  } catch {
    return undefined;
  }
}

async function objectsUnder(c: DirectClient, bucket: string, prefix: string): Promise<string[]> {
  const page = await c.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).flatMap((o) => (o.Key !== undefined ? [o.Key] : []));
}

async function uploadsUnder(c: DirectClient, bucket: string, prefix: string): Promise<{ key: string; id: string }[]> {
  try {
    const page = await c.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    return (page.Uploads ?? []).flatMap((u) => (u.Key !== undefined && u.UploadId !== undefined ? [{ key: u.Key, id: u.UploadId }] : []));
  } catch {
    return []; // s3rver cannot list uploads (and none of its uploads outlive an abort)
  }
}

/**
 * Remove everything under the scratch prefix: each version by its id where the bucket keeps
 * versions (a plain delete would only add a delete marker), then open uploads; returns what is
 * still there afterwards (all zero when the clean-up worked).
 */
export async function cleanScratch(c: DirectClient, bucket: string, prefix: string): Promise<Leftovers> {
  const send = (key: string, versionId?: string): Promise<unknown> =>
    c.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(versionId !== undefined ? { VersionId: versionId } : {}) })).catch(() => undefined);
  for (const u of await uploadsUnder(c, bucket, prefix)) {
    await c.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.id })).catch(() => undefined);
  }
  const versions = await versionsUnder(c, bucket, prefix);
  if (versions !== undefined) for (const v of versions) await send(v.key, v.versionId);
  for (const key of await objectsUnder(c, bucket, prefix).catch(() => [])) await send(key);
  return {
    objects: (await objectsUnder(c, bucket, prefix).catch(() => [])).length,
    versions: (await versionsUnder(c, bucket, prefix))?.length ?? 0,
    uploads: (await uploadsUnder(c, bucket, prefix)).length,
  };
}
