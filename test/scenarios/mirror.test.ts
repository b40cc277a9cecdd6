/** Mirrors (issue 16, first part): remote add/list, push --to with its own base state, status --remote. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Collaborator, forEachRemote } from '../support/world.js';

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n !== '.lsync').sort();
}

forEachRemote('mirrors', (world) => {
  test('a file:// mirror receives pushes with its own base state; renames and deletes follow; list shows roles', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    for (const n of ['a.txt', 'b.txt', 'c.txt']) await a.write(n, `content of ${n}`);
    assert.equal((await a.lsync('sync')).code, 0);
    const nas = join(w.tmp, 'nas');
    await mkdir(nas);
    const add = await a.lsync('remote', 'add', 'nas', `file://${nas}`);
    assert.equal(add.code, 0, add.stderr);
    const before = await a.lsync('status', '--remote', 'nas', '--json');
    assert.equal(before.code, 0, before.stderr);
    assert.equal(((Collaborator.json(before)[0] ?? {})['actions'] as unknown[]).length, 3);
    const push = await a.lsync('push', '--to', 'nas');
    assert.equal(push.code, 0, push.stderr);
    assert.deepEqual(await files(nas), ['a.txt', 'b.txt', 'c.txt']);
    assert.ok(existsSync(join(nas, '.lsync', 'repo.json')), 'the mirror carries a marker');
    await a.assertClean('--remote', 'nas');
    await a.assertClean();

    await a.rm('a.txt');
    await a.write('d.txt', 'new');
    assert.equal((await a.lsync('push', '--to', 'nas')).code, 0);
    assert.deepEqual(await files(nas), ['b.txt', 'c.txt', 'd.txt']);
    // Origin has not been pushed to yet: it still holds a.txt and lacks d.txt.
    const origin = await a.lsync('status', '--json');
    assert.equal(((Collaborator.json(origin)[0] ?? {})['actions'] as unknown[]).length, 2);

    const list = await a.lsync('remote', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    const remotes = (Collaborator.json(list)[0] ?? {})['remotes'] as { name: string; role: string; lastPush: string | null }[];
    assert.deepEqual(remotes.map((r) => [r.name, r.role]), [['origin', 'origin'], ['nas', 'mirror']]);
    assert.ok(remotes.every((r) => typeof r.lastPush === 'string'));

    // remote add checks the mirror as init checks origin: there, not origin itself, a new name.
    const missing = await a.lsync('remote', 'add', 'gone', `file://${join(w.tmp, 'no-such-dir')}`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /mirror "gone": directory .* does not exist/);
    const itself = await a.lsync('remote', 'add', 'again', w.url);
    assert.equal(itself.code, 2);
    assert.match(itself.stderr, /is already the remote "origin"/);
    assert.equal((await a.lsync('remote', 'add', 'nas', `file://${w.tmp}`)).code, 2, 'a name already taken');
    assert.doesNotMatch((await a.lsync('remote', 'list')).stdout, /^(gone|again)\t/m, 'nothing recorded for refused mirrors');

    const pullMirror = await a.lsync('status', '--remote', 'nosuch');
    assert.equal(pullMirror.code, 2);
    assert.match(pullMirror.stderr, /no remote named "nosuch"/);
    assert.equal((await a.lsync('remote', 'rename', 'nas', 'backup')).code, 0);
    await a.assertClean('--remote', 'backup');
    assert.equal((await a.lsync('remote', 'remove', 'backup')).code, 0);
    assert.deepEqual(await files(nas), ['b.txt', 'c.txt', 'd.txt'], 'remove deletes nothing on the mirror');
  });
});
