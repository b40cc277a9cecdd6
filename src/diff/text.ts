/**
 * Line diffs of two versions of a file, computed by jsdiff (the `diff` package): the hunks, their
 * unified-diff text and the counts `--stat` shows. Pure: no I/O.
 */
import { structuredPatch } from 'diff';

/** Git's test: a NUL byte in the first 8,000 bytes makes a file binary. */
const SNIFF = 8000;

export function isBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, SNIFF);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

export interface TextDiff {
  /** Lines as unified diff prints them after the `---`/`+++` header: `@@ ... @@`, then ` `, `-`, `+`, `\` lines. */
  readonly lines: readonly string[];
  readonly added: number;
  readonly removed: number;
}

/**
 * `old` → `new`, with 3 lines of context. Either side may be undefined (the file is missing
 * there): every line is then added or removed.
 */
export function textDiff(oldText: string | undefined, newText: string | undefined): TextDiff {
  const patch = structuredPatch('a', 'b', oldText ?? '', newText ?? '', undefined, undefined, { context: 3 });
  const lines: string[] = [];
  let added = 0;
  let removed = 0;
  for (const h of patch.hunks) {
    // Unified diff's convention: an empty range starts one line before where it would be.
    const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${count === 0 ? Math.max(0, start - 1) : start},${count}`);
    lines.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    for (const l of h.lines) {
      if (l.startsWith('+')) added++;
      else if (l.startsWith('-')) removed++;
      lines.push(l);
    }
  }
  return { lines, added, removed };
}
