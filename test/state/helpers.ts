/** Shared builders for the state tests. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaseEntry } from '../../src/core/types.js';

export function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

export function entry(path: string, extra: Partial<BaseEntry> = {}): BaseEntry {
  return { path, kind: 'file', size: path.length, hash: md5(path), mtimeMs: 1732100000123.5, mode: 0o644, etag: md5(path), ...extra };
}

/** A fresh `.lsync`-like folder; removed by the returned cleanup. */
export async function tempMeta(): Promise<{ dir: string; meta: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lsync-state-'));
  return { dir, meta: join(dir, '.lsync'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Odd names that must round-trip byte-exact. */
export const ODD_NAMES: readonly string[] = [
  'docs/a b.txt',
  'quote"s/it\'s.txt',
  'back\\slash.txt',
  'colon: hash # not a comment',
  '- {"p":"looks like a record"}',
  'emoji 😀/🎉.md',
  'cafe\u0301.txt', // NFD
  'café.txt', // NFC
  'new\nline.txt',
  'cr\rand\ttab',
  'line\u2028sep\u0085nel\u007fdel\ufeffbom',
  '+ % ? & * ! | > \' " ` @ [ ] { } ,',
  'x'.repeat(1000),
  'true',
  '123',
  '~',
];
