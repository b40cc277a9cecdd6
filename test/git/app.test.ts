/**
 * clone, diff and ls as use cases (src/app), in-process, against a file:// remote and a real
 * s3rver. Collaborators are set up through the real CLI; the use case under test runs in this
 * process, so the S3 server's credentials and endpoint are put into process.env for it.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LsyncError } from '../../src/core/errors.js';
import { runClone } from '../../src/app/clone.js';
import { runDiff } from '../../src/app/diff.js';
import { runLs } from '../../src/app/ls.js';
import { useWorld, type Collaborator, type RemoteKind, type World } from '../support/world.js';

const kinds: RemoteKind[] = ['file', 's3rver'];

function inProcessEnv(world: () => Promise<World>): () => Promise<World> {
  const saved: Record<string, string | undefined> = {};
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  return async () => {
    const w = await world();
    for (const [k, v] of Object.entries(w.env)) {
      if (!(k in saved)) saved[k] = process.env[k];
      process.env[k] = v;
    }
    return w;
  };
}

const view = (c: Collaborator, paths: string[] = []) => ({ cwd: c.dir, paths, overrides: {}, concurrency: 4 });

/** alice has pushed a small tree; bob has synced it. */
async function twoSides(w: World): Promise<{ alice: Collaborator; bob: Collaborator }> {
  const alice = await w.collaborator('alice');
  await alice.write('notes.txt', 'one\ntwo\nthree\n');
  await alice.write('docs/plan.md', '# plan\n\nstep 1\n');
  await alice.write('docs/img.bin', Buffer.from([0, 1, 2, 3, 0, 5]));
  assert.equal((await alice.lsync('sync')).code, 0);
  const bob = await w.collaborator('bob');
  assert.equal((await bob.lsync('sync')).code, 0);
  return { alice, bob };
}

for (const kind of kinds) {
  describe(`clone, diff, ls as use cases [${kind}]`, () => {
    const world = inProcessEnv(useWorld(kind));
    let w: World;
    before(async () => {
      w = await world();
    });

    test('clone into a new directory, an empty one, and refuse a non-empty one', async () => {
      const alice = await w.collaborator('clone-src');
      await alice.write('a.txt', 'alpha');
      await alice.write('sub/b.txt', 'beta');
      assert.equal((await alice.lsync('sync')).code, 0);
      const events: string[] = [];

      const fresh = join(w.tmp, 'clones', 'fresh');
      const r = await runClone({ remote: w.url, dir: fresh, cwd: w.tmp, force: false, overrides: {}, concurrency: 4 }, (e) => events.push(e.type));
      assert.equal(r.created, true);
      assert.equal(await readFile(join(fresh, 'a.txt'), 'utf8'), 'alpha');
      assert.equal(await readFile(join(fresh, 'sub', 'b.txt'), 'utf8'), 'beta');
      assert.ok(events.includes('done'), 'the pull reported its transfers');
      assert.equal(r.pull.conflicts.length, 0);

      const empty = join(w.tmp, 'clones', 'empty');
      await mkdir(empty, { recursive: true });
      const e = await runClone({ remote: w.url, dir: empty, cwd: w.tmp, force: false, overrides: {}, concurrency: 4 }, () => undefined);
      assert.equal(e.created, false);
      assert.equal(await readFile(join(empty, 'a.txt'), 'utf8'), 'alpha');

      const full = join(w.tmp, 'clones', 'full');
      await mkdir(full, { recursive: true });
      await writeFile(join(full, 'mine.txt'), 'keep me');
      await assert.rejects(
        runClone({ remote: w.url, dir: full, cwd: w.tmp, force: false, overrides: {}, concurrency: 4 }, () => undefined),
        (err: unknown) => err instanceof LsyncError && err.exitCode === 2 && /not empty/.test(err.message),
      );
      assert.deepEqual(await readdir(full), ['mine.txt'], 'the non-empty directory is left alone');

      const forced = await runClone({ remote: w.url, dir: full, cwd: w.tmp, force: true, overrides: {}, concurrency: 4 }, () => undefined);
      assert.equal(forced.created, false);
      assert.equal(await readFile(join(full, 'mine.txt'), 'utf8'), 'keep me');
      assert.equal(await readFile(join(full, 'a.txt'), 'utf8'), 'alpha');
    });

    test('a clone that cannot reach its remote leaves no directory behind', async () => {
      const target = join(w.tmp, 'clones', 'never');
      const bad = kind === 'file' ? `file://${join(w.tmp, 'no-such-remote')}` : `s3://no-such-bucket-${Date.now()}/x`;
      await assert.rejects(runClone({ remote: bad, dir: target, cwd: w.tmp, force: false, overrides: {}, concurrency: 4 }, () => undefined));
      await assert.rejects(readdir(target), /ENOENT/);
    });

    test('diff: text, binary, missing on either side; nothing when equal', async () => {
      const { alice, bob } = await twoSides(await world());
      let d = await runDiff({ ...view(bob), base: false });
      assert.deepEqual(d.files, [], 'freshly synced: no differences');

      await bob.write('notes.txt', 'one\n2\nthree\nfour\n');
      await bob.write('docs/img.bin', Buffer.from([0, 9, 9, 9, 0, 5, 6]));
      await bob.rm('docs/plan.md');
      await bob.write('new.txt', 'brand new\n');
      await alice.write('remote-only.txt', 'from alice\n');
      assert.equal((await alice.lsync('push')).code, 0);

      d = await runDiff({ ...view(bob), base: false });
      const byPath = new Map(d.files.map((f) => [f.path, f]));
      assert.deepEqual([...byPath.keys()], ['docs/img.bin', 'docs/plan.md', 'new.txt', 'notes.txt', 'remote-only.txt']);
      const notes = byPath.get('notes.txt');
      assert.equal(notes?.binary, false);
      assert.deepEqual(notes?.text?.lines, ['@@ -1,3 +1,4 @@', ' one', '-two', '+2', ' three', '+four']);
      assert.equal(notes?.text?.added, 2);
      assert.equal(notes?.text?.removed, 1);
      const img = byPath.get('docs/img.bin');
      assert.equal(img?.binary, true);
      assert.equal(img?.old?.size, 6);
      assert.equal(img?.new?.size, 7);
      assert.match(img?.old?.hash ?? '', /^[0-9a-f]{32}$/);
      assert.notEqual(img?.old?.hash, img?.new?.hash);
      assert.equal(byPath.get('docs/plan.md')?.new, undefined, 'deleted locally');
      assert.equal(byPath.get('docs/plan.md')?.text?.removed, 3);
      assert.equal(byPath.get('new.txt')?.old, undefined, 'only here');
      assert.deepEqual(byPath.get('new.txt')?.text?.lines, ['@@ -0,0 +1 @@', '+brand new']);
      assert.equal(byPath.get('remote-only.txt')?.state, 'remote-changed');
      assert.equal(byPath.get('remote-only.txt')?.new, undefined);

      // Limited to paths, relative to the current folder.
      d = await runDiff({ ...view(bob, ['notes.txt']), base: false });
      assert.deepEqual(d.files.map((f) => f.path), ['notes.txt']);
      d = await runDiff({ cwd: join(bob.dir, 'docs'), paths: ['.'], overrides: {}, concurrency: 4, base: false });
      assert.deepEqual(d.files.map((f) => f.path), ['docs/img.bin', 'docs/plan.md']);
    });

    test('diff --base: what changed here since the last sync, and when that version is gone', async () => {
      const { alice, bob } = await twoSides(await world());
      await bob.write('notes.txt', 'one\ntwo\nthree\nmore\n');
      await alice.write('docs/plan.md', '# plan by alice\n');
      await bob.write('docs/plan.md', '# plan by bob\n');
      assert.equal((await alice.lsync('push')).code, 0);
      await alice.write('remote-only.txt', 'x');

      const d = await runDiff({ ...view(bob), base: true });
      const byPath = new Map(d.files.map((f) => [f.path, f]));
      assert.deepEqual([...byPath.keys()], ['docs/plan.md', 'notes.txt'], 'only local changes, not the remote ones');
      assert.deepEqual(byPath.get('notes.txt')?.text?.lines, ['@@ -1,3 +1,4 @@', ' one', ' two', ' three', '+more']);
      const plan = byPath.get('docs/plan.md');
      assert.match(plan?.unavailable ?? '', /no copy of it is kept/);
      assert.equal(plan?.binary, true);
      assert.equal(plan?.old?.size, '# plan\n\nstep 1\n'.length);
    });

    test('ls: one level with folder totals, recursive, and marks of what differs here', async () => {
      const { alice, bob } = await twoSides(await world());
      let r = await runLs({ ...view(bob), recursive: false });
      assert.deepEqual(r.entries.map((e) => [e.name, e.kind, e.size, e.state ?? null]), [
        ['docs', 'dir', 6 + '# plan\n\nstep 1\n'.length, null],
        ['notes.txt', 'file', 14, null],
      ]);
      assert.equal(r.entries[0]?.files, 2);

      await bob.write('docs/plan.md', 'edited here\n');
      await bob.write('local-only.txt', 'x');
      await bob.rm('notes.txt');
      await alice.write('docs/new-remote.txt', 'y');
      assert.equal((await alice.lsync('push')).code, 0);
      r = await runLs({ ...view(bob), recursive: true });
      assert.deepEqual(r.entries.map((e) => [e.name, e.onRemote, e.state ?? null]), [
        ['docs/img.bin', true, null],
        ['docs/new-remote.txt', true, 'remote-changed'],
        ['docs/plan.md', true, 'local-changed'],
        ['local-only.txt', false, 'local-changed'],
        ['notes.txt', true, 'local-deleted'],
      ]);
      r = await runLs({ ...view(bob, ['docs']), recursive: false });
      assert.deepEqual(r.entries.map((e) => e.name), ['img.bin', 'new-remote.txt', 'plan.md']);
      r = await runLs({ ...view(bob), recursive: false });
      assert.equal(r.entries.find((e) => e.name === 'docs')?.changed, 2);
      r = await runLs({ ...view(bob, ['docs/img.bin']), recursive: false });
      assert.deepEqual(r.entries.map((e) => [e.path, e.name]), [['docs/img.bin', 'img.bin']]);
      await assert.rejects(runLs({ ...view(bob, ['nosuch']), recursive: false }), (e: unknown) => e instanceof LsyncError && /nosuch: no such file/.test(e.message));
    });
  });
}
