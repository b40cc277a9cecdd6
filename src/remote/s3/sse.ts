/**
 * Server-side encryption: one `Encryption` value per remote, built once from its settings
 * (config.yaml `sse`, `sse_kms_key_id`, `sse_c_key_env`), and applied to every request of the
 * remote's S3 client by one middleware reading one table (REQUEST_PARAMS): a request gets exactly
 * the parameters its command needs, whichever module sends it (puts, parts, copies, reads, the
 * probe, versions, the feed's own objects). No module of lsync tests the mode itself.
 *
 *   SSE-S3   (`sse: AES256`)    ServerSideEncryption on what creates an object (PutObject,
 *                               CreateMultipartUpload, CopyObject's target: a copy keeps the mode
 *                               only if it is asked for again). ETags stay MD5s.
 *   SSE-KMS  (`sse: aws:kms`)   the same, with SSEKMSKeyId when a key is named (else the account's
 *                               aws/s3 key). ETags are not MD5s of the content.
 *   SSE-C    (`sse_c_key_env`)  the customer key on every request that writes or reads the bytes
 *                               or their metadata (HEAD too), parts and ListParts included, and as
 *                               CopySourceSSECustomer* on copies. The key is read from the named
 *                               environment variable when the remote is opened, never stored.
 *                               ETags are not MD5s.
 *
 * `etagIsMd5` is the consequence for content identity: false means an ETag only identifies a
 * version of an object, never its content; lsync's own `md5` metadata (meta.ts) does.
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { LsyncError } from '../../core/errors.js';
import { settingsProblem, type EncryptionSettings, type SseMode } from './sse-settings.js';

export { ENV_NAME, SSE_MODES, settingsProblem, type EncryptionSettings, type SseMode } from './sse-settings.js';

export type EncryptionMode = 'none' | 'sse-s3' | 'sse-kms' | 'sse-c';

interface CreateParams {
  readonly ServerSideEncryption?: SseMode;
  readonly SSEKMSKeyId?: string;
}

interface CustomerParams {
  readonly SSECustomerAlgorithm: 'AES256';
  /** base64 of the 32-byte key. */
  readonly SSECustomerKey: string;
  /** base64 of the key's MD5 (the SDK computes it too; given here so the order of middleware does not matter). */
  readonly SSECustomerKeyMD5: string;
}

interface CopySourceParams {
  readonly CopySourceSSECustomerAlgorithm: 'AES256';
  readonly CopySourceSSECustomerKey: string;
  readonly CopySourceSSECustomerKeyMD5: string;
}

export interface Encryption {
  readonly mode: EncryptionMode;
  /** A single-part object's ETag is the MD5 of its bytes (false under SSE-KMS and SSE-C). */
  readonly etagIsMd5: boolean;
  /** For messages and doctor: `none`, `AES256`, `aws:kms (key …)`, `SSE-C (key from $VAR)`. */
  readonly label: string;
  /** On requests that create an object. */
  readonly create: CreateParams;
  /** On requests that write or read an SSE-C object's bytes or metadata; {} unless SSE-C. */
  readonly customer: Partial<CustomerParams>;
  /** On copies, naming the source's key; {} unless SSE-C. */
  readonly copySource: Partial<CopySourceParams>;
}

export const NO_ENCRYPTION: Encryption = { mode: 'none', etagIsMd5: true, label: 'none', create: {}, customer: {}, copySource: {} };

/** The 32-byte key in `env[name]`, as base64; throws a one-line error naming the variable and the fix. */
function customerKey(name: string, env: Readonly<Record<string, string | undefined>>, remote: string): Buffer {
  const fix = `export ${name}=<the base64 of the 32-byte key the objects were written with> (a new key: openssl rand -base64 32)`;
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') {
    throw new LsyncError('bad-config', `${remote}: SSE-C key variable ${name} (sse_c_key_env) is not set`, fix);
  }
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new LsyncError('bad-config', `${remote}: SSE-C key variable ${name} does not hold the base64 of 32 bytes (AES-256)`, fix);
  }
  return key;
}

/** The remote's Encryption. `remote` names it in errors (a missing or malformed SSE-C key variable). */
export function encryptionOf(s: EncryptionSettings, env: Readonly<Record<string, string | undefined>>, remote: string): Encryption {
  const problem = settingsProblem(s);
  if (problem !== undefined) throw new LsyncError('bad-config', `${remote}: ${problem}`, 'fix the remote\'s settings with `lsync config set` / `lsync config unset`');
  if (s.customerKeyEnv !== undefined) {
    const key = customerKey(s.customerKeyEnv, env, remote);
    const b64 = key.toString('base64');
    const md5 = createHash('md5').update(key).digest('base64');
    return {
      mode: 'sse-c',
      etagIsMd5: false,
      label: `SSE-C (key from $${s.customerKeyEnv})`,
      create: {},
      customer: { SSECustomerAlgorithm: 'AES256', SSECustomerKey: b64, SSECustomerKeyMD5: md5 },
      copySource: { CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: b64, CopySourceSSECustomerKeyMD5: md5 },
    };
  }
  if (s.sse === 'aws:kms') {
    return {
      mode: 'sse-kms',
      etagIsMd5: false,
      label: s.kmsKeyId !== undefined ? `aws:kms (key ${s.kmsKeyId})` : 'aws:kms (the account\'s aws/s3 key)',
      create: { ServerSideEncryption: 'aws:kms', ...(s.kmsKeyId !== undefined ? { SSEKMSKeyId: s.kmsKeyId } : {}) },
      customer: {},
      copySource: {},
    };
  }
  if (s.sse === 'AES256') return { mode: 'sse-s3', etagIsMd5: true, label: 'AES256', create: { ServerSideEncryption: 'AES256' }, customer: {}, copySource: {} };
  return NO_ENCRYPTION;
}

type Part = 'create' | 'customer' | 'copySource';

/**
 * Which parameters each S3 command lsync sends takes. Every command of src/remote/s3 and
 * src/doctor is listed (a unit test checks it), the ones without encryption parameters with [].
 */
export const REQUEST_PARAMS: Readonly<Record<string, readonly Part[]>> = {
  PutObjectCommand: ['create', 'customer'],
  CreateMultipartUploadCommand: ['create', 'customer'],
  CopyObjectCommand: ['create', 'customer', 'copySource'],
  UploadPartCommand: ['customer'],
  UploadPartCopyCommand: ['customer', 'copySource'],
  CompleteMultipartUploadCommand: ['customer'],
  ListPartsCommand: ['customer'],
  GetObjectCommand: ['customer'],
  HeadObjectCommand: ['customer'],
  // Nothing to encrypt or decrypt: names, listings, deletions, the bucket's own settings.
  AbortMultipartUploadCommand: [],
  CreateBucketCommand: [],
  DeleteObjectCommand: [],
  GetBucketVersioningCommand: [],
  HeadBucketCommand: [],
  ListMultipartUploadsCommand: [],
  ListObjectVersionsCommand: [],
  ListObjectsV2Command: [],
};

/** The parameters `command` takes under `e` (the caller's own input wins: a test may send other ones). */
export function paramsFor(e: Encryption, command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of REQUEST_PARAMS[command] ?? []) Object.assign(out, e[part]);
  return out;
}

/** Adds `e`'s parameters to every request of `client` (first in the stack, before the SDK's own SSE-C handling). */
export function applyEncryption(client: S3Client, e: Encryption): void {
  if (e.mode === 'none') return;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const params = paramsFor(e, context.commandName ?? '');
      return next({ ...args, input: { ...params, ...input } });
    },
    { step: 'initialize', priority: 'high', name: 'lsyncEncryption' },
  );
}
