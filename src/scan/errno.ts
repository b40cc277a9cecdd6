/** Reading Node's file-system errors, which arrive as `unknown`. */

/** The errno code (`ENOENT`, `EACCES`...) of a Node system error, if it is one. */
export function errnoCode(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** A short reason for a report: the errno code, else the message. */
export function describeError(e: unknown): string {
  return errnoCode(e) ?? (e instanceof Error ? e.message : String(e));
}
