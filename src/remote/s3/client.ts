/**
 * Building the S3Client: endpoint and region resolution, provider quirks, and a keep-alive HTTP
 * agent sized to lsync's concurrency (the SDK default of 50 sockets without keep-alive tuning
 * either wastes handshakes or queues requests with a "socket acquisition" warning). And sending
 * through it without re-resolving the SDK's middleware for every request (`sendCached`).
 */
import { Agent as HttpAgent } from 'node:http';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { RemoteError } from '../remote.js';
import { regionOfEndpoint } from './providers.js';
import type { Quirks } from './quirks.js';
import { followRegion } from './region.js';
import { applyEncryption, type Encryption } from './sse.js';

export interface ClientSettings {
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** Explicit credentials (tests); otherwise the standard AWS chain (env, ~/.aws, SSO, IMDS). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Parallel requests lsync intends to make; sizes the socket pool. */
  readonly concurrency: number;
  /** SDK attempts per request (default 3: the SDK's standard retry of throttling and 5xx). */
  readonly maxAttempts?: number;
  /** `--region` was given: a redirect to another region is an error, not followed (region.ts). */
  readonly regionForced?: boolean;
  /** Told once when a redirect names the bucket's region (the caller records it). */
  readonly onRegion?: (region: string) => void;
  /** Server-side encryption parameters added to every request that takes them (sse.ts). */
  readonly encryption?: Encryption;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Default idle timeout of a connection, in seconds (`LSYNC_TIMEOUT` overrides; AWS CLI's read timeout is also 60 s). */
const IDLE_TIMEOUT_S = 60;

/** `LSYNC_TIMEOUT` (seconds, may be fractional) when it is a positive number, else the default. */
export function idleTimeoutMs(env: Env): number {
  const raw = env['LSYNC_TIMEOUT'];
  const s = raw !== undefined && raw.trim() !== '' ? Number(raw) : NaN;
  return Math.round((Number.isFinite(s) && s > 0 ? s : IDLE_TIMEOUT_S) * 1000);
}

/** `--endpoint`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`; undefined means AWS itself. */
export function resolveEndpoint(explicit: string | undefined, env: Env = process.env): string | undefined {
  for (const v of [explicit, env['AWS_ENDPOINT_URL_S3'], env['AWS_ENDPOINT_URL']]) {
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/**
 * `--region` (or the config's, which may have been learnt from a redirect), else the environment,
 * else what the endpoint's host spells (`s3.us-west-004.backblazeb2.com`), else the provider's
 * fixed one (R2 `auto`); undefined lets the SDK read the profile's region in ~/.aws/config.
 */
export function resolveRegion(explicit: string | undefined, quirks: Quirks, env: Env = process.env, endpoint?: string): string | undefined {
  for (const v of [explicit, env['AWS_REGION'], env['AWS_DEFAULT_REGION']]) {
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return regionOfEndpoint(quirks.provider, endpoint) ?? quirks.defaultRegion;
}

/**
 * The socket options for TLS: AWS_CA_BUNDLE (the AWS CLI's variable) names a PEM file of extra
 * certificate authorities, for a self-hosted service behind a private CA. Node's own
 * NODE_EXTRA_CA_CERTS works too, but only when set before the process starts.
 */
export function tlsOptions(env: Env = process.env): { ca?: string[] } {
  const file = env['AWS_CA_BUNDLE'];
  if (file === undefined || file.trim() === '') return {};
  let pem: string;
  try {
    pem = readFileSync(file.trim(), 'utf8');
  } catch (e) {
    throw new RemoteError('permanent', `AWS_CA_BUNDLE=${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)}); point it at a PEM file of CA certificates or unset it`);
  }
  // The AWS CLI trusts the bundle instead of the system's authorities; keeping those too means a
  // bundle holding only the private CA does not break a public endpoint (STS, SSO) in the same run.
  return { ca: [...rootCertificates, pem] };
}

/**
 * Logs nothing, like the SDK's default NoOpLogger; but the SDK prints a warning to the console
 * for every failed request with a streamed body when its logger is that very class, and lsync
 * streams multipart parts on purpose (multipart.ts retries them itself).
 */
const SILENT = { debug: (): void => undefined, info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined, trace: (): void => undefined };

export function makeClient(settings: ClientSettings, quirks: Quirks): S3Client {
  // lsync supports Node 20; the SDK's "upgrade Node" notice is not something a lsync user can act on.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const maxSockets = Math.max(1, settings.concurrency) + 2; // + listing and HEADs beside transfers
  const agentOptions = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  const region = resolveRegion(settings.region, quirks, process.env, settings.endpoint);
  const config: S3ClientConfig = {
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent({ ...agentOptions, ...tlsOptions() }),
      connectionTimeout: 10_000,
      // A connection on which nothing arrives for this long is cut and the request retried: without
      // it, a server that accepts a request and never answers held a watcher for ever (seen on a
      // loaded s3rver). Idle time, not the whole request's: a part upload at --bwlimit may take minutes.
      // (requestTimeout only logs a warning in @smithy/node-http-handler 4.)
      socketTimeout: idleTimeoutMs(process.env),
    }),
    forcePathStyle: quirks.forcePathStyle,
    requestChecksumCalculation: quirks.requestChecksumCalculation,
    responseChecksumValidation: quirks.responseChecksumValidation,
    // Followed by lsync instead (region.ts): once per client, then every request goes direct.
    followRegionRedirects: false,
    maxAttempts: settings.maxAttempts ?? 3,
    logger: SILENT,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(settings.profile !== undefined ? { profile: settings.profile } : {}),
    ...(settings.credentials !== undefined ? { credentials: settings.credentials } : {}),
  };
  const client = new S3Client(config);
  // The SDK's logger middleware builds a redacted copy of every request and response for
  // logger.info, even for a logger that drops it: for a 1,000-key listing page that is a walk of
  // every entry (~3 ms a page here, and a share of every small PUT and GET). lsync never reads SDK
  // logs, so the middleware goes; the logger above stays for the SDK's other warnings.
  client.middlewareStack.remove('loggerMiddleware');
  if (settings.encryption !== undefined) applyEncryption(client, settings.encryption);
  followRegion(client, { endpoint: settings.endpoint, forced: settings.regionForced === true, ...(settings.onRegion !== undefined ? { onRegion: settings.onRegion } : {}) });
  return client;
}

/** A command as `sendCached` uses it (every @aws-sdk/client-s3 command is one). */
interface Sendable<I, O> {
  readonly input: I;
  readonly middlewareStack: { identify(): string[] };
  resolveMiddleware(stack: S3Client['middlewareStack'], config: S3Client['config'], options: { abortSignal?: AbortSignal } | undefined): (args: { input: I }) => Promise<{ output: O }>;
}

type Handlers = Map<unknown, (args: { input: never }) => Promise<{ output: unknown }>>;
/** Resolved handlers per client, then per abort signal (NO_SIGNAL for none), then per command class. */
const resolved = new WeakMap<S3Client, WeakMap<object, Handlers>>();
const NO_SIGNAL = {};

/**
 * Forget the handlers resolved for `client`: to be called by whoever changes its middleware stack
 * after requests were sent (lsync itself never does; tests that watch requests do).
 */
export function middlewareChanged(client: S3Client): void {
  resolved.delete(client);
}

/**
 * `client.send(command, { abortSignal: signal })`, with the middleware stack resolved once per
 * command class and signal instead of for every request.
 *
 * The SDK sorts and links its ~40 middleware anew for each request: about 0.13 ms of CPU each here,
 * a tenth of all the CPU of a push or pull of 10,000 small files. Its own `cacheMiddleware` option
 * keeps the resolved stack per command class, but only for calls without options, and every lsync
 * request carries its abort signal; so the same cache is kept here, per signal too (a run uses a
 * handful of signals). As with `cacheMiddleware`, requests of one class then share the handler's
 * context: fine for one client on one bucket, and the reason a command with middleware of its own
 * (pace.ts) is sent the ordinary way.
 */
export async function sendCached<I, O>(client: S3Client, command: Sendable<I, O>, signal?: AbortSignal): Promise<O> {
  const options = signal !== undefined ? { abortSignal: signal } : undefined;
  if (command.middlewareStack.identify().length > 0) return (await command.resolveMiddleware(client.middlewareStack, client.config, options)(command)).output;
  let bySignal = resolved.get(client);
  if (bySignal === undefined) resolved.set(client, (bySignal = new WeakMap()));
  let handlers = bySignal.get(signal ?? NO_SIGNAL);
  if (handlers === undefined) bySignal.set(signal ?? NO_SIGNAL, (handlers = new Map()));
  let handler = handlers.get(command.constructor) as ((args: { input: I }) => Promise<{ output: O }>) | undefined;
  if (handler === undefined) {
    handler = command.resolveMiddleware(client.middlewareStack, client.config, options);
    handlers.set(command.constructor, handler as (args: { input: never }) => Promise<{ output: unknown }>);
  }
  return (await handler(command)).output;
}
