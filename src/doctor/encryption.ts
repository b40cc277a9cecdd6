/**
 * The doctor's encryption finding: the remote's configured server-side encryption (remote/s3/sse.ts),
 * and what the service reports for an object written with it: one small PUT on the scratch prefix
 * (the clean-up removes it) and a HEAD of it, both carrying the remote's encryption parameters.
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Encryption } from '../remote/s3/sse.js';
import type { Findings } from './findings.js';
import type { DirectClient } from './s3-direct.js';

/** What a HEAD says of an object's encryption: `aws:kms (key …)`, `AES256`, `SSE-C`, or `none`. */
export function reported(head: { ServerSideEncryption?: string | undefined; SSEKMSKeyId?: string | undefined; SSECustomerAlgorithm?: string | undefined }): string {
  if (head.SSECustomerAlgorithm !== undefined) return 'SSE-C';
  if (head.ServerSideEncryption === undefined) return 'none';
  return head.ServerSideEncryption + (head.SSEKMSKeyId !== undefined ? ` (key ${head.SSEKMSKeyId})` : '');
}

/** The mode the service should report for `e` (undefined: any, the bucket's default applies). */
function expected(e: Encryption): string | undefined {
  return { none: undefined, 'sse-s3': 'AES256', 'sse-kms': 'aws:kms', 'sse-c': 'SSE-C' }[e.mode];
}

const ETAG_NOTE = 'ETags are not MD5s under it: lsync identifies content by its own md5 metadata';

export async function encryptionFinding(c: DirectClient, bucket: string, key: string, f: Findings): Promise<void> {
  const e = c.encryption;
  let seen: string;
  try {
    await c.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('lsync doctor encryption\n') }));
    seen = reported(await c.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    f.missing('encryption', e.label, `a write with ${e.label} was refused: ${why}`, e.mode === 'sse-kms' ? 'allow kms:GenerateDataKey and kms:Decrypt on the key for these credentials, or correct sse_kms_key_id' : 'check the remote\'s sse settings (lsync config get remote.<name>.sse) against the bucket policy');
    return;
  }
  const want = expected(e);
  const consequence = e.etagIsMd5 ? '' : `; ${ETAG_NOTE}`;
  if (want === undefined) {
    f.ok('encryption', 'none', seen === 'none' ? 'none configured, none reported' : `none configured; the bucket's default applies: ${seen}`);
  } else if (seen.startsWith(want)) {
    f.ok('encryption', want, `configured ${e.label}, the service reports ${seen}${consequence}`);
  } else {
    // Local test servers (s3rver, moto for SSE-C) accept the headers and store plain objects.
    f.note('encryption', want, `configured ${e.label}, but the service reports ${seen} for what lsync wrote (it ignores the encryption headers?)${consequence}`, 'check the service supports this mode; lsync sends it on every request');
  }
}
