/**
 * Whether an AWS profile is defined in the shared files, to name an unknown profile in an error:
 * the SDK only says "Could not load credentials from any providers".
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

function sections(file: string): string[] {
  try {
    return [...readFileSync(file, 'utf8').matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)].map((m) => m[1] ?? '');
  } catch {
    return []; // no such file: no profiles from it
  }
}

/** True when `name` is a section of ~/.aws/credentials or a profile of ~/.aws/config (or the files the env names). */
export function profileDefined(name: string, env: Env): boolean {
  const home = env['HOME'] ?? homedir();
  const credentials = env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(home, '.aws', 'credentials');
  const config = env['AWS_CONFIG_FILE'] ?? join(home, '.aws', 'config');
  if (sections(credentials).includes(name)) return true;
  return sections(config).some((s) => s === `profile ${name}` || (name === 'default' && s === 'default'));
}
