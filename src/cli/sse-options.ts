/**
 * `--sse`, `--sse-kms-key-id` and `--sse-c-key-env`: a remote's server-side encryption, given to
 * the commands that record a remote (init, clone, remote add) and stored as its config keys `sse`,
 * `sse_kms_key_id`, `sse_c_key_env` (checked by the same rules as `lsync config set`).
 */
import type { Argv } from 'yargs';
import { LsyncError } from '../core/errors.js';
import { SSE_MODES, settingsProblem } from '../remote/s3/sse-settings.js';
import { remoteKey } from '../state/config-keys.js';
import type { RemoteEncryption } from '../state/config.js';

export interface SseArgs {
  readonly sse: string | undefined;
  readonly 'sse-kms-key-id': string | undefined;
  readonly 'sse-c-key-env': string | undefined;
}

export function withSseOptions<T>(y: Argv<T>): Argv<T & SseArgs> {
  return y
    .option('sse', { type: 'string', choices: SSE_MODES, describe: 'S3 server-side encryption of what lsync writes: AES256 (SSE-S3) or aws:kms (SSE-KMS)' })
    .option('sse-kms-key-id', { type: 'string', describe: 'with --sse aws:kms: the KMS key id, alias or ARN (default: the account\'s aws/s3 key)' })
    .option('sse-c-key-env', { type: 'string', describe: 'SSE-C: the environment variable holding the base64 32-byte key (the key itself is never stored)' }) as Argv<T & SseArgs>;
}

const FLAGS = { sse: '--sse', kmsKeyId: '--sse-kms-key-id', customerKeyEnv: '--sse-c-key-env' };

function value(key: string, flag: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const spec = remoteKey(key);
  const v = spec?.parse(raw);
  if (typeof v !== 'string') throw new LsyncError('usage', `--${flag} must be ${spec?.allowed ?? 'valid'} (got "${raw}")`);
  return v;
}

/** The flags as config values; a usage error (exit 2) naming the flag when they do not fit together. */
export function sseSettings(args: SseArgs): RemoteEncryption | undefined {
  const sse = value('sse', 'sse', args.sse) as RemoteEncryption['sse'];
  const sseKmsKeyId = value('sse_kms_key_id', 'sse-kms-key-id', args['sse-kms-key-id']);
  const sseCKeyEnv = value('sse_c_key_env', 'sse-c-key-env', args['sse-c-key-env']);
  const out: RemoteEncryption = {
    ...(sse !== undefined ? { sse } : {}),
    ...(sseKmsKeyId !== undefined ? { sseKmsKeyId } : {}),
    ...(sseCKeyEnv !== undefined ? { sseCKeyEnv } : {}),
  };
  const problem = settingsProblem({ sse, kmsKeyId: sseKmsKeyId, customerKeyEnv: sseCKeyEnv }, FLAGS);
  if (problem !== undefined) throw new LsyncError('usage', problem);
  return Object.keys(out).length > 0 ? out : undefined;
}
