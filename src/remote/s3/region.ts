/**
 * A bucket in another region than the one lsync signs for: AWS answers `301 PermanentRedirect`
 * (or a 400 such as `AuthorizationHeaderMalformed`) naming the bucket's region in the
 * `x-amz-bucket-region` header or the error's `<Region>`. The SDK's own `followRegionRedirects`
 * re-sends every request that way, each run anew; lsync instead follows the first redirect once,
 * switches the client to the bucket's region for every later request, and tells its owner
 * (`onRegion`), who records it in config.yaml so the next run signs for the right region from
 * the start. `--region` forces a region: then nothing is followed, and the error names the
 * bucket's region.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { RemoteError } from '../remote.js';

export interface RegionFollowing {
  /** The client's endpoint (undefined: AWS): with the bucket, the key of what this process learnt. */
  readonly endpoint: string | undefined;
  /** The region was given on the command line (`--region`): use it, never another. */
  readonly forced: boolean;
  /** Told once when the bucket's region is learnt from a redirect. */
  readonly onRegion?: (region: string) => void;
}

function field(x: unknown, key: string): unknown {
  return typeof x === 'object' && x !== null && key in x ? (x as Record<string, unknown>)[key] : undefined;
}

const REGION_ERRORS = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException', 'AuthorizationQueryParametersError']);

/** The bucket's region when `err` is AWS's way of saying "wrong region"; undefined otherwise. */
export function redirectRegion(err: unknown): string | undefined {
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  const headers = field(field(err, '$response'), 'headers');
  const header = field(headers, 'x-amz-bucket-region');
  const name = field(err, 'name') ?? field(err, 'Code');
  const body = field(err, 'Region');
  // A HEAD has no body to name the error: a 400 carrying the header is the region answer there.
  const isRegionAnswer = status === 301 || (status === 400 && typeof header === 'string') || (typeof name === 'string' && REGION_ERRORS.has(name));
  if (!isRegionAnswer) return undefined;
  for (const v of [header, body]) if (typeof v === 'string' && /^[a-z0-9-]{2,40}$/.test(v)) return v;
  return undefined;
}

/** Sign every later request of `client` for `region` (the SDK reads `config.region` per request). */
function switchRegion(client: S3Client, region: string): void {
  const provider = (): Promise<string> => Promise.resolve(region);
  Object.defineProperty(client.config, 'region', { value: provider, writable: true, configurable: true, enumerable: true });
}

/**
 * Regions learnt in this process, by endpoint and bucket: a run opens several clients on one
 * bucket (the repository's remote, its change feed), and only the first should pay the redirect.
 */
const learntInProcess = new Map<string, string>();

function bucketOf(args: { input: unknown }): string {
  const b = (args.input as { Bucket?: unknown } | undefined)?.Bucket;
  return typeof b === 'string' ? b : '';
}

/**
 * Installs the redirect handling on `client` (at the initialize step, around everything else).
 * A request answered with a redirect is sent again once, for the bucket's region; a second
 * redirect is an error like any other.
 */
export function followRegion(client: S3Client, f: RegionFollowing): void {
  let learnt: string | undefined;
  const where = (args: { input: unknown }): string => `${f.endpoint ?? 'aws'} ${bucketOf(args)}`;
  client.middlewareStack.add(
    (next) => async (args) => {
      const known = f.forced ? undefined : learntInProcess.get(where(args));
      if (known !== undefined && learnt === undefined) {
        learnt = known;
        switchRegion(client, known);
        f.onRegion?.(known); // learnt by another client of this run: this one's owner records it too
      }
      try {
        return await next(args);
      } catch (err) {
        const region = redirectRegion(err);
        if (region === undefined) throw err;
        const current = await client.config.region();
        if (region === current) throw err;
        if (f.forced) {
          throw new RemoteError('permanent', `the bucket is in region ${region}, not ${current} (--region ${current}): drop --region, or pass --region ${region}`, undefined, { cause: err });
        }
        if (learnt !== region) {
          learnt = region;
          learntInProcess.set(where(args), region);
          switchRegion(client, region);
          f.onRegion?.(region);
        }
        return next(args);
      }
    },
    { step: 'initialize', name: 'lsyncRegionRedirect', priority: 'high' },
  );
}
