/**
 * The three-way rules of SPEC.md, with two collaborators on one remote, through the real CLI,
 * against every remote kind (file://, s3rver, and moto when installed).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Collaborator, forEachRemote } from '../support/world.js';

forEachRemote('three-way sync', (world) => {
  test('one-sided adds, edits and deletes travel both ways', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('notes.txt', 'hello');
    await a.write('docs/deep/plan.md', '# plan');
    let r = await a.lsync('sync');
    assert.equal(r.code, 0, r.stderr);
    r = await b.lsync('sync');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await b.tree(), { 'docs/deep/plan.md': '# plan', 'notes.txt': 'hello' });

    // Edits of a different length on each side, in each direction.
    await b.write('notes.txt', 'hello from b, longer');
    await a.write('docs/deep/plan.md', '# plan v2');
    assert.equal((await b.lsync('sync')).code, 0);
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(await a.tree(), await b.tree());
    assert.equal(await a.read('notes.txt'), 'hello from b, longer');
    assert.equal(await b.read('docs/deep/plan.md'), '# plan v2');

    // A delete travels, and the pulled-away file is kept in the trash.
    await a.rm('notes.txt');
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    assert.equal(await b.read('notes.txt'), undefined);
    const trash = join(b.dir, '.lsync', 'trash');
    assert.ok(existsSync(trash) && readdirSync(trash).length > 0, 'deleted file kept in .lsync/trash');

    // Nothing left to do on either side.
    for (const c of [a, b]) {
      r = await c.lsync('status', '--json');
      assert.equal(r.code, 0, r.stderr);
      const st = Collaborator.json(r)[0];
      assert.deepEqual(st?.['actions'], []);
    }
  });

  test('identical changes on both sides are recorded without transfer', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('same.txt', 'same content');
    await b.write('same.txt', 'same content');
    assert.equal((await a.lsync('sync')).code, 0);
    const r = await b.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr);
    const s = Collaborator.summary(r);
    assert.equal(s['bytesSent'], 0);
    assert.equal(s['bytesReceived'], 0);
    assert.deepEqual(s['planned'], { record: 1 });
  });

  test('conflicts are never overwritten, exit 3, and resolve settles them', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    for (const f of ['x.txt', 'y.txt', 'z.txt', 'other.txt']) await a.write(f, `base ${f}`);
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    for (const f of ['x.txt', 'y.txt', 'z.txt']) {
      await a.write(f, `a's version of ${f}`);
      await b.write(f, `b's much longer version of ${f}`);
    }
    await a.write('other.txt', 'a changed other');
    assert.equal((await a.lsync('sync')).code, 0);

    let r = await b.lsync('sync');
    assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /conflict/);
    // Everything else went through; the conflicting files are untouched on both sides.
    assert.equal(await b.read('other.txt'), 'a changed other');
    assert.equal(await b.read('x.txt'), "b's much longer version of x.txt");
    r = await b.lsync('status', '--json');
    assert.equal(r.code, 3);
    const conflicts = Collaborator.json(r)[0]?.['conflicts'] as { path: string }[];
    assert.deepEqual(conflicts.map((c) => c.path), ['x.txt', 'y.txt', 'z.txt']);

    assert.equal((await b.lsync('resolve', 'x.txt', '--keep', 'local')).code, 0);
    assert.equal((await b.lsync('resolve', 'y.txt', '--keep', 'remote')).code, 0);
    r = await b.lsync('resolve', 'z.txt', '--keep', 'both');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await b.read('x.txt'), "b's much longer version of x.txt");
    assert.equal(await b.read('y.txt'), "a's version of y.txt");
    assert.equal(await b.read('z.txt'), "a's version of z.txt");
    const copies = Object.keys(await b.tree()).filter((p) => p.startsWith('z.conflict-'));
    assert.equal(copies.length, 1, 'local version kept under a conflict name');
    assert.match(copies[0] ?? '', /^z\.conflict-[A-Za-z0-9_-]+-\d{8}-\d{6}\.txt$/);

    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(await a.tree(), await b.tree());
    assert.equal(await a.read(copies[0] ?? ''), "b's much longer version of z.txt");
  });

  test('an edit beats a delete, in both directions', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('p.txt', 'p');
    await a.write('q.txt', 'q');
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    await a.rm('p.txt');
    await b.write('p.txt', 'p edited by b');
    await a.write('q.txt', 'q edited by a');
    await b.rm('q.txt');
    assert.equal((await a.lsync('sync')).code, 0);
    const r = await b.lsync('sync');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await a.lsync('sync')).code, 0);
    assert.deepEqual(await a.tree(), { 'p.txt': 'p edited by b', 'q.txt': 'q edited by a' });
    assert.deepEqual(await b.tree(), await a.tree());
  });

  test('first sync against a populated remote adopts identical files and flags different ones', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    await a.write('same.bin', 'identical');
    await a.write('diff.txt', 'version A');
    assert.equal((await a.lsync('sync')).code, 0);
    const b = await w.collaborator('b');
    await b.write('same.bin', 'identical');
    await b.write('diff.txt', 'version B, not the same');
    const r = await b.lsync('sync', '--json');
    assert.equal(r.code, 3, r.stderr);
    const s = Collaborator.summary(r);
    assert.equal(s['bytesSent'], 0);
    assert.equal(s['bytesReceived'], 0);
    assert.deepEqual((s['conflicts'] as { path: string }[]).map((c) => c.path), ['diff.txt']);
    assert.equal(await b.read('diff.txt'), 'version B, not the same');
  });

  test('push and pull act one way; --force and --mirror', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('f.txt', 'one');
    await a.write('g.txt', 'g');
    assert.equal((await a.lsync('push')).code, 0);
    await b.write('local-only.txt', 'b only');
    assert.equal((await b.lsync('pull')).code, 0);
    assert.deepEqual(await b.tree(), { 'f.txt': 'one', 'g.txt': 'g', 'local-only.txt': 'b only' });
    // pull never sends
    assert.deepEqual(Object.keys(await a.tree()), ['f.txt', 'g.txt']);

    // Conflict on f.txt: push refuses to overwrite it, push --force does.
    await a.write('f.txt', 'two from a');
    assert.equal((await a.lsync('push')).code, 0);
    await b.write('f.txt', 'three from b!');
    let r = await b.lsync('push');
    assert.equal(r.code, 3, r.stderr);
    r = await b.lsync('push', '--force', 'f.txt');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await a.lsync('pull')).code, 0);
    assert.equal(await a.read('f.txt'), 'three from b!');

    // push --mirror deletes remote extras: b adds extra.txt, a (which never pulled it) mirrors it away.
    await b.write('extra.txt', 'extra from b');
    assert.equal((await b.lsync('push')).code, 0);
    r = await a.lsync('push', '--mirror');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await b.lsync('pull')).code, 0);
    assert.equal(await b.read('extra.txt'), undefined);
    assert.deepEqual(await b.tree(), await a.tree());
  });

  test('a same-size edit within the same mtime tick is still seen (racy entries are hashed)', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    const { utimes } = await import('node:fs/promises');
    // A whole-second mtime that can be set again exactly: the second write lands "in the same tick".
    // Set 30 s ahead, so the first sync records the file as racy (mtime too recent to trust) however
    // long it takes on a loaded machine: a tick in the past stopped being recent once a sync took
    // longer than the racy window, and a real edit would then have had a later mtime anyway.
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000 + 30_000);
    await a.write('tick.txt', 'AAAA');
    await utimes(a.abs('tick.txt'), tick, tick);
    assert.equal((await a.lsync('sync')).code, 0);
    await a.write('tick.txt', 'BBBB');
    await utimes(a.abs('tick.txt'), tick, tick);
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    assert.equal(await b.read('tick.txt'), 'BBBB');
  });

  test('--dry-run plans and prints, and changes nothing anywhere', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('one.txt', '1');
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    await a.write('two.txt', '2');
    await a.rm('one.txt');
    let r = await a.lsync('sync', '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /upload\s+two\.txt/);
    assert.match(r.stdout, /delete remote\s+one\.txt/);
    r = await a.lsync('sync', '--dry-run', '--json');
    const plan = Collaborator.json(r)[0];
    assert.equal(plan?.['dryRun'], true);
    assert.deepEqual((plan?.['actions'] as { type: string; path: string }[]).map((x) => `${x.type} ${x.path}`), ['delete-remote one.txt', 'upload two.txt']);
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(await b.tree(), { 'one.txt': '1' }, 'the remote did not change');
    r = await a.lsync('status', '--json');
    assert.equal((Collaborator.json(r)[0]?.['actions'] as unknown[]).length, 2, 'the database did not change');
  });

  test('paths limit the work, relative to the current directory', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('sub/one.txt', '1');
    await a.write('sub/two.txt', '2');
    await a.write('top.txt', 't');
    let r = await a.lsyncIn(a.abs('sub'), 'push', 'one.txt');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await b.lsync('pull')).code, 0);
    assert.deepEqual(await b.tree(), { 'sub/one.txt': '1' });
    r = await a.lsyncIn(a.abs('sub'), 'push', '.');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await b.lsync('pull')).code, 0);
    assert.deepEqual(Object.keys(await b.tree()), ['sub/one.txt', 'sub/two.txt']);
    r = await a.lsyncIn(a.abs('sub'), 'push', '../../elsewhere');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /outside the repository/);
  });

  test('the max-delete guard refuses a mass deletion, changing nothing', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    for (let i = 0; i < 20; i++) await a.write(`f${i}.txt`, `file ${i}`);
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    for (let i = 0; i < 15; i++) await a.rm(`f${i}.txt`);
    let r = await a.lsync('sync');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /15/);
    assert.equal((await b.lsync('sync')).code, 0);
    assert.equal(Object.keys(await b.tree()).length, 20, 'nothing was deleted');
    r = await a.lsync('sync', '--max-delete', '15');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await b.lsync('sync', '--max-delete', '15')).code, 0);
    assert.equal(Object.keys(await b.tree()).length, 5);
  });

  test('.lsyncignore at any level, on both sides; nested repositories stay out', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('.lsyncignore', '*.tmp\nbuild/\n');
    await a.write('keep.txt', 'k');
    await a.write('junk.tmp', 'j');
    await a.write('build/out.o', 'o');
    await a.write('sub/.lsyncignore', 'secret.txt\n');
    await a.write('sub/secret.txt', 's');
    await a.write('sub/public.txt', 'p');
    await a.write('nested/.lsync/config.yaml', 'version: 1\nremote: file:///nowhere\n');
    await a.write('nested/inner.txt', 'belongs to the nested repository');
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(Object.keys(await b.tree()), ['.lsyncignore', 'keep.txt', 'sub/.lsyncignore', 'sub/public.txt']);
    // b's own ignored file is not sent either, and a's ignored files are never pulled over b's.
    await b.write('mine.tmp', 'b temp');
    const r = await b.lsync('sync', '--json');
    assert.equal(r.code, 0);
    assert.deepEqual(Collaborator.summary(r)['planned'], {});
  });
});
