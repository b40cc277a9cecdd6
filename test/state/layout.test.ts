/** Migration of an lsync 0.1 `.lsync/` (one remote, files at the top) to `.lsync/remotes/origin/`. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/state/db.js';
import { migrateLayout, needsMigration, remoteStateDir } from '../../src/state/layout.js';
import { entry, tempMeta } from './helpers.js';

/** The old layout, as lsync 0.1 left it: config v1, an index, a journal with one more record, a checkpoint. */
async function oldLayout(meta: string): Promise<void> {
  await mkdir(join(meta, 'uploads'), { recursive: true });
  await writeFile(join(meta, 'config.yaml'), '# kept\nversion: 1\nremote: file:///srv/remote # there\n');
  const db = await openDatabase(meta);
  db.set(entry('a.txt'));
  await db.compact();
  db.set(entry('b.txt'));
  await db.close();
  await writeFile(join(meta, 'uploads', `${'0'.repeat(40)}.json`), '{"path":"big.bin"}\n');
}

async function assertMigrated(meta: string): Promise<void> {
  const state = remoteStateDir(meta, 'origin');
  const db = await openDatabase(state);
  assert.deepEqual([...db.entries.keys()].sort(), ['a.txt', 'b.txt']);
  await db.close();
  assert.ok(existsSync(join(state, 'uploads', `${'0'.repeat(40)}.json`)));
  for (const old of ['index.yaml', 'journal.yaml', 'uploads', 'remotes.migrating']) assert.equal(existsSync(join(meta, old)), false, old);
  const config = await readFile(join(meta, 'config.yaml'), 'utf8');
  assert.match(config, /version: 2/);
  assert.match(config, /# kept/);
  assert.match(config, /url: file:\/\/\/srv\/remote # there/);
  assert.equal(await needsMigration(meta), false);
}

test('the old layout moves to remotes/origin once, keeping every record and checkpoint', async () => {
  const t = await tempMeta();
  try {
    await oldLayout(t.meta);
    assert.equal(await needsMigration(t.meta), true);
    assert.equal(await migrateLayout(t.meta), true);
    await assertMigrated(t.meta);
  } finally {
    await t.cleanup();
  }
});

test('a crash before the commit point (a half-built staging folder) leaves the old layout, migrated next time', async () => {
  const t = await tempMeta();
  try {
    await oldLayout(t.meta);
    await mkdir(join(t.meta, 'remotes.migrating', 'origin'), { recursive: true });
    await writeFile(join(t.meta, 'remotes.migrating', 'origin', 'index.yaml'), 'torn');
    // What a reader sees meanwhile: the old database, whole.
    const db = await openDatabase(t.meta);
    assert.equal(db.entries.size, 2);
    await db.close();
    assert.equal(await migrateLayout(t.meta), true);
    await assertMigrated(t.meta);
  } finally {
    await t.cleanup();
  }
});

test('a crash after the commit point (old names still beside the new folder) keeps the new state and removes the old', async () => {
  const t = await tempMeta();
  try {
    await oldLayout(t.meta);
    assert.equal(await migrateLayout(t.meta), true);
    // As if the process died right after the rename: old files back, config still version 1.
    await writeFile(join(t.meta, 'index.yaml'), 'stale');
    await writeFile(join(t.meta, 'config.yaml'), '# kept\nversion: 1\nremote: file:///srv/remote # there\n');
    assert.equal(await needsMigration(t.meta), true);
    assert.equal(await migrateLayout(t.meta), false);
    await assertMigrated(t.meta);
  } finally {
    await t.cleanup();
  }
});
