/**
 * The options every command takes (--json, --verbose, --dry-run, --endpoint ...), declared once,
 * and their validation into `GlobalOptions`, the form handlers use.
 */
import type { Argv } from 'yargs';
import { LsyncError } from '../core/errors.js';
import { parseRate } from '../remote/wrap/bwlimit.js';
import { providerNamed, USER_PROVIDERS } from '../remote/s3/providers.js';

export const GLOBAL_GROUP = 'Global options:';

/** Declares the global options on the top-level parser (yargs passes them on to every command). */
export function withGlobalOptions(y: Argv) {
  return y
    .option('dry-run', { type: 'boolean', describe: 'plan and print, change nothing anywhere', default: false })
    .option('json', { type: 'boolean', describe: 'machine-readable output on stdout (NDJSON events), logs on stderr', default: false })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only errors, warnings and conflicts', default: false })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'more detail, and stack traces on errors', default: false })
    .option('concurrency', { alias: 'j', type: 'number', describe: 'transfers in flight (default: the concurrency option of the config, else 16)' })
    .option('bwlimit', { type: 'string', describe: 'bandwidth limit shared by uploads and downloads, e.g. 10M or 512K (bytes per second)' })
    .option('endpoint', { type: 'string', describe: 'S3 endpoint URL (or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)' })
    .option('region', { type: 'string', describe: 'S3 region' })
    .option('profile', { type: 'string', describe: 'AWS profile for credentials' })
    .option('provider', { type: 'string', describe: `S3 service: ${USER_PROVIDERS.join('|')} (default: detected from the endpoint; see docs/providers.md)` })
    .option('links', { type: 'boolean', describe: 'sync symbolic links as links (stored as small objects holding the target); default: skip them with a warning (config: links)' })
    .group(['dry-run', 'json', 'quiet', 'verbose', 'concurrency', 'bwlimit', 'endpoint', 'region', 'profile', 'provider', 'links', 'help', 'version'], GLOBAL_GROUP);
}

/** The parsed global options, as yargs gives them to every command's builder and handler. */
export type GlobalArgs = ReturnType<typeof withGlobalOptions> extends Argv<infer T> ? T : never;

export interface GlobalOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly dryRun: boolean;
  readonly concurrency: number;
  /** --bwlimit in bytes per second. */
  readonly bwlimit?: number;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** --provider, canonical (`cloudflare` → `r2`): the provider table's row (src/remote/s3/providers.ts). */
  readonly provider?: string;
  /** --links / --no-links; undefined = the repository's `links` option. */
  readonly links?: boolean;
}

const nonEmpty = (s: string | undefined): string | undefined => (s !== undefined && s !== '' ? s : undefined);

/**
 * An endpoint is a URL with its scheme. Not guessed when missing: http would send requests (and
 * their signatures) in the clear to a service that may expect https, and https to a local MinIO
 * fails with a TLS error that names neither.
 */
function checkEndpoint(endpoint: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'http:' || protocol === 'https:') return;
  const bare = endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  throw new LsyncError('usage', `--endpoint "${endpoint}" is not an http(s) URL`, `write the scheme too: --endpoint http://${bare} (or https://${bare})`);
}

/** `--provider`: a name of the provider table (aliases accepted), canonical; one line listing the names otherwise. */
function checkProvider(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const named = providerNamed(raw);
  if (named === undefined) throw new LsyncError('usage', `--provider "${raw}" is not one lsync knows`, `use one of ${USER_PROVIDERS.join(', ')} (other: any other S3-compatible service)`);
  return named;
}

/** The concurrency when neither --concurrency nor the config's `concurrency` says. */
export const DEFAULT_CONCURRENCY = 16;

/**
 * Validates what yargs cannot (ranges, rates); throws a usage error naming the option.
 * `configured`: the config's `concurrency` (repository, else user default), used without --concurrency.
 */
export function globalOptions(args: GlobalArgs, configured?: number): GlobalOptions {
  const c = args.concurrency ?? configured ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(c) || c < 1 || c > 1024) {
    throw new LsyncError('usage', `--concurrency must be a whole number from 1 to 1024 (got ${String(c)})`);
  }
  let bwlimit: number | undefined;
  if (args.bwlimit !== undefined) {
    try {
      bwlimit = parseRate(args.bwlimit);
    } catch (e) {
      throw new LsyncError('usage', `--bwlimit: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const endpoint = nonEmpty(args.endpoint);
  if (endpoint !== undefined) checkEndpoint(endpoint);
  const region = nonEmpty(args.region);
  const profile = nonEmpty(args.profile);
  const provider = checkProvider(nonEmpty(args.provider));
  return {
    ...(bwlimit !== undefined ? { bwlimit } : {}),
    json: args.json,
    quiet: args.quiet,
    verbose: args.verbose,
    dryRun: args['dry-run'],
    concurrency: c,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...(args.links !== undefined ? { links: args.links } : {}),
  };
}

/** The remote settings given on the command line, in the shape the app's use cases take. */
export function remoteOverrides(g: GlobalOptions): { endpoint?: string; region?: string; profile?: string; provider?: string } {
  return {
    ...(g.provider !== undefined ? { provider: g.provider } : {}),
    ...(g.endpoint !== undefined ? { endpoint: g.endpoint } : {}),
    ...(g.region !== undefined ? { region: g.region } : {}),
    ...(g.profile !== undefined ? { profile: g.profile } : {}),
  };
}
