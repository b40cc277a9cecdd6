/** The one place fs errors become RemoteErrors for the file:// remote. */
import { RemoteError, type RemoteErrorKind } from '../remote.js';

export function errnoCode(err: unknown): string {
  if (typeof err !== 'object' || err === null || !('code' in err)) return '';
  return typeof err.code === 'string' ? err.code : '';
}

const KINDS: Readonly<Record<string, RemoteErrorKind>> = {
  ENOENT: 'not-found',
  ENOTDIR: 'not-found',
  EACCES: 'auth',
  EPERM: 'auth',
  EROFS: 'auth',
  // Network file systems (NFS, SMB) report outages with these; a retry may well succeed.
  EIO: 'transient',
  EAGAIN: 'transient',
  EBUSY: 'transient',
  ETIMEDOUT: 'transient',
  ESTALE: 'transient',
  EINTR: 'transient',
  ECONNRESET: 'transient',
  EHOSTDOWN: 'transient',
};

export function classifyFsError(err: unknown): RemoteErrorKind {
  return KINDS[errnoCode(err)] ?? 'permanent';
}

export function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'name' in err && err.name === 'AbortError';
}

/** `what` names the operation and path; the message is one line. */
export function toRemoteError(err: unknown, what: string, path?: string): RemoteError {
  if (err instanceof RemoteError) return err;
  const code = errnoCode(err);
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return new RemoteError(classifyFsError(err), `${what}: ${message}${code !== '' && !message.includes(code) ? ` (${code})` : ''}`, path, { cause: err });
}
