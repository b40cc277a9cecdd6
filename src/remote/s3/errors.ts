/**
 * The one place SDK and network errors become RemoteErrors. Everything in s3/ funnels failures
 * through `toRemoteError`, so no SDK error type leaks out of this directory.
 */
import { RemoteError, type RemoteErrorKind } from '../remote.js';

/** The fields of an SDK (or Node network) error we classify on, read from `unknown`. */
interface ErrorFacts {
  readonly name: string;
  readonly code: string;
  readonly status: number | undefined;
  readonly message: string;
}

function field(x: unknown, key: string): unknown {
  return typeof x === 'object' && x !== null && key in x ? (x as Record<string, unknown>)[key] : undefined;
}

function str(x: unknown): string {
  return typeof x === 'string' ? x : '';
}

function facts(err: unknown): ErrorFacts {
  const status = field(field(err, '$metadata'), 'httpStatusCode') ?? field(field(err, '$response'), 'statusCode');
  // Network errors arrive either directly or wrapped (`cause`), with a Node `code` like ECONNRESET.
  const code = str(field(err, 'code')) || str(field(err, 'Code')) || str(field(field(err, 'cause'), 'code'));
  return {
    name: str(field(err, 'name')),
    code,
    status: typeof status === 'number' ? status : undefined,
    message: err instanceof Error ? err.message : String(err),
  };
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload']);
const PRECONDITION = new Set(['PreconditionFailed', 'ConditionalRequestConflict']);
const AUTH = new Set([
  'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken',
  'TokenRefreshRequired', 'CredentialsProviderError', 'CredentialsError', 'ExpiredTokenException',
  'UnrecognizedClientException', 'AccountProblem', 'AllAccessDisabled',
]);
const TRANSIENT = new Set([
  'SlowDown', 'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable',
  'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'TimeoutError', 'RequestAbortedError',
  'ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH',
  'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET',
]);
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Classify an error (pure: exported for tests). */
export function classify(err: unknown): RemoteErrorKind {
  const f = facts(err);
  const names = [f.name, f.code];
  if (names.some((n) => n === 'NoSuchBucket')) return 'no-bucket';
  if (names.some((n) => NOT_FOUND.has(n)) || f.status === 404) return 'not-found';
  if (names.some((n) => PRECONDITION.has(n)) || f.status === 412) return 'precondition';
  if (names.some((n) => AUTH.has(n)) || f.status === 403 || f.status === 401) return 'auth';
  // Not implemented by this service (s3rver has no UploadPartCopy): retrying will not help, and
  // the caller may have another way (a move can upload instead).
  if (names.some((n) => n === 'NotImplemented') || f.status === 501) return 'unsupported';
  if (names.some((n) => TRANSIENT.has(n)) || (f.status !== undefined && TRANSIENT_STATUS.has(f.status))) return 'transient';
  return 'permanent';
}

/** A conditional GET's "not modified" (304): the SDK throws it as an error without a body. */
export function isNotModified(err: unknown): boolean {
  const f = facts(err);
  return f.status === 304 || f.name === 'NotModified' || f.code === 'NotModified';
}

/** Aborts are not failures of the remote: let them through unchanged so callers see AbortError. */
export function isAbort(err: unknown): boolean {
  return field(err, 'name') === 'AbortError';
}

/**
 * Map any error from an S3 call to a RemoteError. `what` names the operation and the path, e.g.
 * `put "a/b.txt"`; the message stays on one line and never includes credentials (SDK messages
 * do not carry the secret; we still keep only the first line).
 */
export function toRemoteError(err: unknown, what: string, path?: string): RemoteError {
  if (err instanceof RemoteError) return err;
  const kind = classify(err);
  const f = facts(err);
  const detail = [f.code || f.name, f.status !== undefined ? `HTTP ${f.status}` : '']
    .filter((s) => s !== '' && s !== 'Error' && s !== 'Unknown')
    .join(', ');
  const firstLine = (f.message.split('\n')[0] ?? '').trim();
  const idle = /socket timed out after (\d+) ms of inactivity/.exec(firstLine);
  // The SDK's wording names its own internals; say what happened and what sets it.
  const reason = idle !== null ? `no answer for ${Number(idle[1]) / 1000} s (LSYNC_TIMEOUT sets how long to wait)` : firstLine !== '' && firstLine !== 'UnknownError' ? firstLine : kind;
  const message = `${what}: ${reason}${detail !== '' && !reason.includes(detail) ? ` (${detail})` : ''}`;
  return new RemoteError(kind, message, path, { cause: err });
}
