/**
 * The doctor's S3 side: credentials (which source of the chain), reachability (HeadBucket), the
 * clock against the service's Date header, then, around the access checks on the scratch prefix,
 * multipart, versioning and the clean-up of every version and upload left under the scratch prefix.
 */
import { encryptionFinding } from './encryption.js';
import type { Findings } from './findings.js';
import { clockFinding } from './findings.js';
import { cleanScratch, credentialSource, directClient, headBucket, multipartWorks, versioningStatus, type DirectClient, type S3Target } from './s3-direct.js';

const AFTER_REACH = ['list', 'write', 'read', 'delete', 'multipart', 'conditional_writes', 'conditional_deletes', 'conditional_copies', 'versioning', 'encryption', 'feed', 'clock'] as const;

export interface S3Session {
  readonly direct: DirectClient;
  /** False when nothing past reachability can run. */
  readonly reachable: boolean;
}

function credentialsFix(profile: string | undefined): string {
  return profile !== undefined
    ? `check the profile "${profile}" in ~/.aws/config and ~/.aws/credentials (for SSO: aws sso login --profile ${profile})`
    : 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / --profile naming a profile in ~/.aws (lsync never stores keys)';
}

/** Credentials, reachability and the clock. */
export async function s3Before(t: S3Target, display: string, f: Findings): Promise<S3Session> {
  const direct = directClient(t);
  const creds = await credentialSource(direct);
  if ('error' in creds) {
    f.missing('credentials', 'none', creds.error, credentialsFix(t.profile));
    f.unchecked(['reachable', ...AFTER_REACH], 'no credentials to sign with');
    return { direct, reachable: false };
  }
  f.ok('credentials', creds.source, t.profile !== undefined ? `profile "${t.profile}"` : undefined);
  const reach = await headBucket(direct, t.bucket);
  if (reach.ok) {
    f.ok('reachable', true, `${direct.endpoint ?? 'AWS'}${direct.region !== undefined ? `, region ${direct.region}` : ''}`);
  } else if (reach.kind === 'auth') {
    f.ok('reachable', true, `${direct.endpoint ?? 'AWS'} answered`);
    f.missing('credentials', 'refused', `${creds.source} credentials refused for bucket "${t.bucket}"`, credentialsFix(t.profile));
  } else if (reach.kind === 'no-bucket' || reach.kind === 'not-found') {
    f.missing('reachable', 'no-bucket', `bucket "${t.bucket}" does not exist at ${direct.endpoint ?? 'AWS'}`, 'create it (lsync init --create-bucket), or correct the URL / --endpoint');
  } else {
    const where = direct.endpoint ?? 'AWS';
    f.missing('reachable', false, `${where}: ${reach.message.split('\n')[0] ?? ''}`, direct.endpoint !== undefined ? 'check --endpoint (scheme, host and port) and the network' : 'check the network and --region');
  }
  const date = direct.lastDate();
  // A refusal still carries the service's Date; a connection that failed carries none.
  if (date !== undefined || reach.ok) clockFinding(f, date === undefined ? undefined : date.server - date.local);
  const reachable = reach.ok;
  if (!reachable) f.unchecked(AFTER_REACH, 'the bucket is not usable');
  return { direct, reachable };
}

/** Multipart, versioning and encryption (after the access checks, on the same scratch prefix). */
export async function s3After(s: S3Session, bucket: string, scratchPrefix: string, f: Findings): Promise<void> {
  const mp = await multipartWorks(s.direct, bucket, `${scratchPrefix}multipart.bin`);
  if (mp.ok) f.ok('multipart', true, mp.etag === 'md5-of-parts' ? 'ETags are md5 of the parts' : 'ETags are opaque (lsync identifies large files by its own hash)');
  else f.missing('multipart', false, mp.message?.split('\n')[0] ?? 'refused', 'allow s3:PutObject, s3:AbortMultipartUpload and s3:ListMultipartUploadParts; files over multipart_threshold cannot be sent otherwise');
  const v = await versioningStatus(s.direct, bucket);
  const detail = { on: 'the bucket keeps old versions: lsync log/restore use them', off: 'lsync keeps its own copies of replaced files', suspended: 'old versions stay, new ones are not kept: lsync keeps its own copies', unsupported: 'the service has no versioning: lsync keeps its own copies' }[v];
  f.ok('versioning', v, detail);
  await encryptionFinding(s.direct, bucket, `${scratchPrefix}encryption.txt`, f);
}

/** Removes the scratch prefix (versions and uploads too) and reports anything that stayed. */
export async function s3Cleanup(s: S3Session, bucket: string, scratchPrefix: string, f: Findings): Promise<void> {
  const left = await cleanScratch(s.direct, bucket, scratchPrefix);
  const total = left.objects + left.versions + left.uploads;
  if (total === 0) f.ok('cleanup', true, `nothing left under ${scratchPrefix}`);
  else f.note('cleanup', false, `${left.objects} object(s), ${left.versions} version(s), ${left.uploads} upload(s) left under ${scratchPrefix}`, 'remove them by hand (aws s3api delete-object --version-id ...)');
}
