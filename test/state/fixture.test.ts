/** The hand-edited database in fixtures/ loads through the js-yaml fallback, and compacts back to the fast form. */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/state/db.js';
import { repoRoot } from '../support/servers.js';

test('a hand-edited block-style index.yaml loads, and compacts to one entry per line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lsync-fixture-'));
  await copyFile(join(repoRoot(), 'fixtures', 'index-hand-edited.yaml'), join(dir, 'index.yaml'));
  const db = await openDatabase(dir);
  assert.deepEqual([...db.entries.keys()].sort(), ['docs/read me.txt', 'emoji 🎉/ünïcödé.md']);
  const e = db.entries.get('emoji 🎉/ünïcödé.md');
  assert.equal(e?.mode, 0o600);
  assert.equal(e?.versionId, '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY');
  assert.equal(db.entries.get('docs/read me.txt')?.mtimeMs, 1732100000123.5);
  await db.compact();
  await db.close();
  const text = await readFile(join(dir, 'index.yaml'), 'utf8');
  assert.equal(text.split('\n').filter((l) => l.startsWith('  - {')).length, 2);
  const again = await openDatabase(dir);
  assert.deepEqual([...again.entries.entries()], [...db.entries.entries()]);
  await again.close();
});
