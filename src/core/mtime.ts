/**
 * Setting an mtime from a recorded `mtimeMs` without losing time on each hop.
 *
 * `utimes(path, atime, new Date(ms))` truncates to whole milliseconds, and a plain `ms / 1000`
 * truncates again in libuv's double → nanoseconds conversion: each upload/download round trip
 * then moved a file's mtime back by up to a millisecond. Rounded to the microsecond (what a
 * double of an epoch time in seconds still holds exactly enough), the value survives any number
 * of round trips unchanged.
 *
 * Pure: no `node:*` imports.
 */
export function mtimeSeconds(mtimeMs: number): number {
  return Math.round(mtimeMs * 1000) / 1e6;
}
