/**
 * Remote addresses: parsing what a user typed and printing it back.
 *
 * Accepted forms:
 *   s3://bucket            s3://bucket/prefix          (the prefix may end in `/` or not)
 *   bucket                 bucket/prefix               (same as s3://)
 *   file:///abs/dir                                    (absolute; `~` and relative paths refused)
 *
 * Invalid input throws a plain `Error` with a one-line message meant for the user (the CLI maps it
 * to a usage error, exit 2): it is a mistake in what was typed, not a failure of the remote.
 *
 * Pure: no `node:*` imports, so the CLI can parse without loading anything else.
 */

export type RemoteSpec =
  /** `prefix` is '' or ends in '/'; object key = prefix + path. */
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  /** Absolute directory, no trailing slash (except for `/` itself). */
  | { readonly kind: 'file'; readonly root: string };

/**
 * S3 bucket naming rules (general purpose buckets): 3–63 chars of lowercase letters, digits, `.`
 * and `-`, starting and ending with a letter or digit, no `..`, not an IP address. Legacy buckets
 * with uppercase or `_` exist in us-east-1 and some S3-compatible services allow them, so those two
 * are accepted too; what is refused is what no service can hold.
 */
export function bucketProblem(bucket: string): string | undefined {
  if (bucket === '') return 'empty bucket name';
  if (bucket.length < 3 || bucket.length > 63) return `bucket name "${bucket}" must be 3 to 63 characters long`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/.test(bucket)) {
    return `bucket name "${bucket}" may contain only letters, digits, ".", "-" and "_", and must start and end with a letter or digit`;
  }
  if (bucket.includes('..')) return `bucket name "${bucket}" must not contain ".."`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return `bucket name "${bucket}" must not look like an IP address`;
  return undefined;
}

function normalisePrefix(raw: string): string {
  // Leading slashes would become empty key segments; nobody means that.
  const p = raw.replace(/^\/+/, '');
  if (p === '') return '';
  return p.endsWith('/') ? p : p + '/';
}

function parseFileUrl(s: string): RemoteSpec {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new Error(`invalid file URL "${s}": use file:///absolute/path`);
  }
  if (url.host !== '' && url.host !== 'localhost') {
    throw new Error(`file URL "${s}" names a host ("${url.host}"): use file:///absolute/path (three slashes)`);
  }
  if (url.search !== '' || url.hash !== '') throw new Error(`file URL "${s}" must not contain "?" or "#" (escape them as %3F and %23)`);
  let root: string;
  try {
    root = decodeURIComponent(url.pathname);
  } catch {
    throw new Error(`file URL "${s}" has invalid %-escapes`);
  }
  if (!root.startsWith('/')) throw new Error(`file URL "${s}" must be absolute: file:///absolute/path`);
  if (root.includes('\0')) throw new Error(`file URL "${s}" contains a NUL byte`);
  const trimmed = root.replace(/\/+$/, '');
  return { kind: 'file', root: trimmed === '' ? '/' : trimmed };
}

/** Parse a remote address (see the module comment). Throws Error with a one-line message. */
export function parseRemoteUrl(input: string): RemoteSpec {
  const s = input.trim();
  if (s === '') throw new Error('empty remote: use s3://bucket/prefix, bucket/prefix or file:///absolute/path');
  if (/^file:/i.test(s)) {
    // `file:relative` and `file://relative` are the common mistakes: say what is meant instead.
    if (!/^file:\/\/\//i.test(s) && !/^file:\/\/localhost\//i.test(s)) {
      throw new Error(`file remote "${s}" must be an absolute path written file:///absolute/path`);
    }
    return parseFileUrl(s);
  }
  let rest: string;
  if (/^s3:\/\//i.test(s)) rest = s.slice(5);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new Error(`unsupported remote "${s}": use s3://bucket/prefix, bucket/prefix or file:///absolute/path`);
  } else if (s.startsWith('/') || s.startsWith('.') || s.startsWith('~')) {
    throw new Error(`remote "${s}" looks like a local path: write a directory remote as file:///absolute/path`);
  } else rest = s;
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const problem = bucketProblem(bucket);
  if (problem !== undefined) throw new Error(`invalid remote "${s}": ${problem}`);
  return { kind: 's3', bucket, prefix: normalisePrefix(slash < 0 ? '' : rest.slice(slash + 1)) };
}

/** For messages and config: `s3://bucket/prefix` (no trailing slash) or `file:///dir`. */
export function displayRemote(spec: RemoteSpec): string {
  if (spec.kind === 'file') return 'file://' + encodeURI(spec.root).replace(/[?#]/g, (c) => encodeURIComponent(c));
  const prefix = spec.prefix.replace(/\/$/, '');
  return prefix === '' ? `s3://${spec.bucket}` : `s3://${spec.bucket}/${prefix}`;
}
