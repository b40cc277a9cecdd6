/**
 * Issue 11 defect 2: a file replaced by a folder of the same name, and back, travels both ways
 * without leftovers (before, every run exited 1: "file ... and folder ... cannot both exist"). When
 * both sides changed, the clash is still refused, naming both.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { forEachRemote, type Collaborator } from '../support/world.js';

async function ok(c: Collaborator, ...args: string[]): Promise<void> {
  const r = await c.lsync(...args);
  assert.equal(r.code, 0, `${c.name} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
}

forEachRemote('a file replaced by a folder of the same name', (world) => {
  test('file → folder → file, each made on one side, reaches the other', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('thing', 'a file named thing');
    await a.write('keep.txt', 'unrelated');
    await ok(a, 'sync');
    await ok(b, 'sync');

    // A: the file becomes a folder (sync); B takes it (pull).
    await a.rm('thing');
    await mkdir(a.abs('thing'));
    await a.write('thing/inside.txt', 'now a folder');
    await a.write('thing/deeper/more.txt', 'and deeper');
    await ok(a, 'sync');
    await ok(b, 'pull');
    assert.deepEqual(await b.tree(), { 'keep.txt': 'unrelated', 'thing/deeper/more.txt': 'and deeper', 'thing/inside.txt': 'now a folder' });
    assert.deepEqual(await a.tree(), await b.tree());
    await a.assertClean();
    await b.assertClean();

    // B: the folder becomes a file again (push); A takes it (sync).
    await b.rm('thing');
    await b.write('thing', 'a file again');
    await ok(b, 'push');
    await ok(a, 'sync');
    assert.deepEqual(await a.tree(), { 'keep.txt': 'unrelated', thing: 'a file again' });
    assert.deepEqual(await a.tree(), await b.tree());
    await a.assertClean();
    await b.assertClean();
    // No leftover on the remote: a third collaborator gets exactly that.
    const c = await w.collaborator('c');
    await ok(c, 'sync');
    assert.deepEqual(await c.tree(), await a.tree());
  });

  test('both sides changed (file edited there, made a folder here): refused, naming both', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('thing', 'v1');
    await ok(a, 'sync');
    await ok(b, 'sync');
    await b.write('thing', 'v2 edited by b');
    await ok(b, 'sync');
    await a.rm('thing');
    await a.write('thing/x.txt', 'a folder now');
    const r = await a.lsync('sync');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /file "thing" \(on the remote\) and folder "thing\/" \(here\) cannot both exist/);
    // Nothing was lost on either side.
    assert.equal(await a.read('thing/x.txt'), 'a folder now');
    await ok(b, 'sync');
    assert.equal(await b.read('thing'), 'v2 edited by b');
  });
});
