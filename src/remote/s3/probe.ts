/**
 * Finding out what an S3 service really does, by trying rather than trusting its name: `init` and
 * `doctor` record the answer in the repository config, and S3Remote takes it as options.
 *
 * Writes one probe object under `<prefix>.lsync/` with If-None-Match, writes it again with
 * If-None-Match (a service honouring conditional writes answers 412), deletes it with a wrong
 * If-Match (412 means conditional deletes work), copies it with a wrong source If-Match and then
 * onto an existing object with If-None-Match (412 both times means conditional copies work),
 * deletes what it wrote, and reads the bucket's versioning status.
 */
import { randomBytes } from 'node:crypto';
import { CopyObjectCommand, DeleteObjectCommand, GetBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Capabilities } from '../remote.js';
import { classify } from './errors.js';

/** The Remote capabilities plus the S3-only detail of conditional deletes. */
export interface S3Capabilities extends Capabilities {
  readonly conditionalDeletes: boolean;
  /**
   * CopyObject honours both `x-amz-copy-source-if-match` (the source) and `If-None-Match: *` (the
   * target): a move then needs no HEAD at all. AWS does; moto 5.2 and s3rver ignore both.
   */
  readonly conditionalCopies: boolean;
}

/** True when the request is refused with 412; false when the service does it anyway or cannot. */
async function refusedAsPrecondition(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return false;
  } catch (err) {
    const kind = classify(err);
    if (kind === 'precondition') return true;
    if (kind === 'auth' || kind === 'no-bucket' || kind === 'transient') throw err; // not an answer
    return false; // e.g. 501 NotImplemented
  }
}

/**
 * Errors are raw SDK errors; the caller maps them. `bookkeeping` is `<prefix>.lsync/`.
 * `copySource` escapes a key for `x-amz-copy-source` (provider quirk, see quirks.ts).
 */
export async function probeCapabilities(client: S3Client, bucket: string, bookkeeping: string, copySource: (key: string) => string): Promise<S3Capabilities> {
  const id = randomBytes(8).toString('hex');
  const key = `${bookkeeping}probe-${id}`;
  const copyKey = `${bookkeeping}probe-${id}-copy`;
  const body = Buffer.from('lsync capability probe\n');
  let conditionalWrites = false;
  let conditionalDeletes = false;
  let conditionalCopies = false;
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));
    conditionalWrites = await refusedAsPrecondition(() =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' })),
    );
    conditionalDeletes = await refusedAsPrecondition(() =>
      client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: '"00000000000000000000000000000000"' })),
    );
    const copy = (extra: { CopySourceIfMatch?: string; IfNoneMatch?: string }): Promise<unknown> =>
      client.send(new CopyObjectCommand({ Bucket: bucket, Key: copyKey, CopySource: `${bucket}/${copySource(key)}`, MetadataDirective: 'COPY', ...extra }));
    // A service ignoring the source condition creates the copy here: then the second probe is moot.
    if (await refusedAsPrecondition(() => copy({ CopySourceIfMatch: '"00000000000000000000000000000000"' }))) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: copyKey, Body: body }));
      conditionalCopies = await refusedAsPrecondition(() => copy({ IfNoneMatch: '*' }));
    }
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: copyKey })).catch(() => undefined);
  }
  let versioning = false;
  try {
    versioning = (await client.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status === 'Enabled';
  } catch {
    // Not implemented (s3rver) or not allowed: no versioning lsync can rely on.
  }
  return { conditionalWrites, conditionalDeletes, conditionalCopies, versioning, serverSideCopy: true };
}
