/**
 * Random set/delete sequences, with flush, compact, close and reopen in between, always leave the
 * database equal to a plain Map that saw the same operations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { BaseEntry } from '../../src/core/types.js';
import { openDatabase, type FileDatabase } from '../../src/state/db.js';
import { entry, tempMeta } from './helpers.js';

type Op =
  | { readonly kind: 'set'; readonly entry: BaseEntry }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'flush' | 'compact' | 'reopen' };

const segment = fc.oneof(
  fc.constantFrom('a', 'b', 'dir', 'a b', 'é', 'e\u0301', '😀', 'x"y', 'n\nl', '\\', ': #'),
  fc.string({ minLength: 1, maxLength: 4, unit: 'grapheme' }),
).filter((s) => s !== '.' && s !== '..' && s !== '.lsync' && !s.includes('/') && !s.includes('\0'));
const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ path, size: fc.nat(), racy: fc.option(fc.boolean(), { nil: undefined }), v: fc.option(fc.string(), { nil: undefined }) }).map(({ path: p, size, racy, v }) => ({ kind: 'set' as const, entry: entry(p, { size, ...(racy === undefined ? {} : { racy }), ...(v === undefined ? {} : { versionId: v }) }) })) },
  { weight: 3, arbitrary: path.map((p) => ({ kind: 'delete' as const, path: p })) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'flush' as const }, { kind: 'compact' as const }, { kind: 'reopen' as const }) },
);

function plain(m: ReadonlyMap<string, BaseEntry>): Record<string, BaseEntry> {
  return Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

test('the database behaves like a Map across flush, compact, close and reopen', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), async (ops, compactMinRecords) => {
      const t = await tempMeta();
      try {
        const model = new Map<string, BaseEntry>();
        let db: FileDatabase = await openDatabase(t.meta, { compactMinRecords });
        for (const o of ops) {
          switch (o.kind) {
            case 'set':
              db.set(o.entry);
              model.set(o.entry.path, o.entry);
              break;
            case 'delete':
              db.delete(o.path);
              model.delete(o.path);
              break;
            case 'flush':
              await db.flush();
              break;
            case 'compact':
              await db.compact();
              break;
            case 'reopen':
              await db.close();
              db = await openDatabase(t.meta, { compactMinRecords });
              assert.deepEqual(plain(db.entries), plain(model));
              break;
          }
          assert.deepEqual(plain(db.entries), plain(model));
        }
        await db.close();
        const last = await openDatabase(t.meta);
        assert.deepEqual(plain(last.entries), plain(model));
        await last.close();
      } finally {
        await t.cleanup();
      }
    }),
    { numRuns: 60 },
  );
});
