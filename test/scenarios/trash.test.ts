/**
 * `lsync trash list|restore|empty` (issue 13) and the trash's bounds and leftover partial
 * downloads (issue 11 defect 11), through the real CLI on a file:// remote.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Collaborator, useWorld, type World } from '../support/world.js';

async function ok(c: Collaborator, ...args: string[]): Promise<string> {
  const r = await c.lsync(...args);
  assert.equal(r.code, 0, `${c.name} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** a and b share notes.txt; a rewrites it, so b's pull keeps b's old copy in the trash. */
async function replacedAtB(world: () => Promise<World>): Promise<{ a: Collaborator; b: Collaborator }> {
  const w = await world();
  const a = await w.collaborator('a');
  const b = await w.collaborator('b');
  await a.write('notes.txt', 'v1, the old notes');
  await ok(a, 'sync');
  await ok(b, 'sync');
  await a.write('notes.txt', 'v2, rewritten by a');
  await ok(a, 'sync');
  await ok(b, 'sync');
  return { a, b };
}

describe('lsync trash [file]', () => {
  const world = useWorld('file');

  test('list shows what a pull replaced; restore puts the newest copy back as a local change; empty removes it', async () => {
    const { a, b } = await replacedAtB(world);
    const listed = JSON.parse(await ok(b, 'trash', 'list', '--json')) as { items: Array<Record<string, unknown>> };
    assert.equal(listed.items.length, 1);
    assert.equal(listed.items[0]?.['path'], 'notes.txt');
    assert.equal(listed.items[0]?.['size'], 'v1, the old notes'.length);
    assert.match(String(listed.items[0]?.['when']), /^\d{4}-\d{2}-\d{2}T/);
    assert.match(await ok(b, 'trash', 'list'), /notes\.txt\n1 file\(s\)/);

    // From a subfolder, the path is typed relative to it, as everywhere.
    await mkdir(b.abs('sub'), { recursive: true });
    const r = await b.lsyncIn(b.abs('sub'), 'trash', 'restore', '../notes.txt');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await b.read('notes.txt'), 'v1, the old notes');
    await ok(b, 'sync');
    await ok(a, 'sync');
    assert.equal(await a.read('notes.txt'), 'v1, the old notes', 'the restore travelled as a local change');

    await ok(b, 'trash', 'empty', '--older-than', '1d');
    assert.ok((JSON.parse(await ok(b, 'trash', 'list', '--json')) as { items: unknown[] }).items.length > 0, 'nothing was older than a day');
    await ok(b, 'trash', 'empty');
    assert.deepEqual((JSON.parse(await ok(b, 'trash', 'list', '--json')) as { items: unknown[] }).items, []);
    assert.match(await ok(b, 'trash', 'list'), /The trash is empty/);
  });

  test('restore refuses to replace a local change never synced, naming it, unless --force', async () => {
    const { b } = await replacedAtB(world);
    await appendFile(b.abs('notes.txt'), ' + an unsynced edit');
    let r = await b.lsync('trash', 'restore', 'notes.txt');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /notes\.txt: has local changes that were never synced/);
    assert.equal(await b.read('notes.txt'), 'v2, rewritten by a + an unsynced edit');
    r = await b.lsync('trash', 'restore', 'notes.txt', '--force');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await b.read('notes.txt'), 'v1, the old notes');
    r = await b.lsync('trash', 'restore', 'nosuch.txt');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /nosuch\.txt: not in the trash/);
  });

  test('the trash is pruned at the end of a run by age and size, never what the run just kept', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    // An old run's copies (by its folder's name: 2020) and a size limit that this run alone exceeds.
    await mkdir(join(b.dir, '.lsync', 'trash', '20200101-000000'), { recursive: true });
    await writeFile(join(b.dir, '.lsync', 'trash', '20200101-000000', 'ancient.txt'), 'from long ago');
    await appendFile(join(b.dir, '.lsync', 'config.yaml'), 'trash_max_age: 30d\ntrash_max_size: 1\n');
    await a.write('big.txt', 'first version');
    await ok(a, 'sync');
    await ok(b, 'sync');
    await a.write('big.txt', 'second version');
    await ok(a, 'sync');
    await ok(b, 'sync');
    const runs = await readdir(join(b.dir, '.lsync', 'trash'));
    assert.equal(runs.length, 1, `only this run's folder is left: ${runs.join(', ')}`);
    assert.notEqual(runs[0], '20200101-000000');
    const items = (JSON.parse(await ok(b, 'trash', 'list', '--json')) as { items: Array<Record<string, unknown>> }).items;
    assert.deepEqual(items.map((i) => i['path']), ['big.txt']);

    const config = join(b.dir, '.lsync', 'config.yaml');
    await writeFile(config, (await readFile(config, 'utf8')).replace('trash_max_age: 30d', 'trash_max_age: soon'));
    const bad = await b.lsync('sync');
    assert.equal(bad.code, 2, 'a bad value is a config error');
    assert.match(bad.stderr, /trash_max_age/);
  });

  test('partial downloads left in .lsync/tmp/ are reported in one line', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const tmp = join(a.dir, '.lsync', 'tmp');
    await mkdir(tmp, { recursive: true });
    // As a download cut short by a full disk leaves one (download.ts names them so).
    await writeFile(join(tmp, `dl-${'a'.repeat(24)}-${'b'.repeat(24)}`), Buffer.alloc(3 * 1024 * 1024));
    await a.write('x.txt', 'x');
    const r = await a.lsync('sync');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 partial download\(s\) \(3\.0 MiB\) left in \.lsync\/tmp\/: the next run resumes them/);
    assert.ok(existsSync(join(tmp, `dl-${'a'.repeat(24)}-${'b'.repeat(24)}`)), 'kept for the next run');
  });
});
