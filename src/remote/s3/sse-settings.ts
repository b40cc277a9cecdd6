/**
 * The encryption settings of a remote as config.yaml holds them, and the rules between them: the
 * part of sse.ts the config checker reads (config-keys.ts). Pure: no `node:*` imports.
 */
export const SSE_MODES = ['AES256', 'aws:kms'] as const;
export type SseMode = (typeof SSE_MODES)[number];

/** The remote's encryption settings as config.yaml holds them (never the SSE-C key itself). */
export interface EncryptionSettings {
  readonly sse?: SseMode | undefined;
  /** KMS key id, alias or ARN; only with `sse: aws:kms`. */
  readonly kmsKeyId?: string | undefined;
  /** Name of the environment variable holding the base64 of a 32-byte SSE-C key. */
  readonly customerKeyEnv?: string | undefined;
}

/** An environment variable's name as shells write it. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How the settings are named where they were typed: config keys, or command-line flags. */
export interface SettingNames {
  readonly sse: string;
  readonly kmsKeyId: string;
  readonly customerKeyEnv: string;
}

export const CONFIG_NAMES: SettingNames = { sse: 'sse', kmsKeyId: 'sse_kms_key_id', customerKeyEnv: 'sse_c_key_env' };

/** What is wrong with a combination of settings (each one valid alone); undefined: fine. */
export function settingsProblem(s: EncryptionSettings, n: SettingNames = CONFIG_NAMES): string | undefined {
  if (s.kmsKeyId !== undefined && s.sse !== 'aws:kms') return `${n.kmsKeyId} needs ${n.sse} aws:kms`;
  if (s.customerKeyEnv !== undefined && s.sse !== undefined) return `${n.customerKeyEnv} (SSE-C) and ${n.sse} cannot both be set: an object is encrypted one way`;
  return undefined;
}
