/**
 * Nested repositories: a parent bound to one remote and a repository inside it bound to another.
 * The parent never sends the nested files; `--recursive` runs the command in each repository with
 * its own config, remote and lock.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Collaborator, forEachRemote, type World } from '../support/world.js';

let n = 0;

/** A second remote of the same kind as the world's. */
async function otherRemote(w: World): Promise<string> {
  if (w.server === undefined) {
    const dir = join(w.tmp, `remote-${++n}`);
    await mkdir(dir);
    return `file://${dir}`;
  }
  return `s3://${await w.server.createBucket()}/nested/${++n}`;
}

/** A repository bound to `url` at `rel` inside `parent` (init --force: it is nested). */
async function nestedRepo(parent: Collaborator, rel: string, url: string, w: World): Promise<Collaborator> {
  const c = new Collaborator(`${parent.name}/${rel}`, parent.abs(rel), w.env);
  await mkdir(c.dir, { recursive: true });
  const r = await c.lsync('init', url, '--force');
  assert.equal(r.code, 0, r.stderr);
  return c;
}

/** A fresh clone of `url`, to see what a remote holds. */
async function cloneOf(w: World, url: string, name: string): Promise<Record<string, string>> {
  const c = new Collaborator(name, join(w.tmp, name), w.env);
  await mkdir(c.dir, { recursive: true });
  assert.equal((await c.lsync('init', url)).code, 0);
  const r = await c.lsync('sync');
  assert.equal(r.code, 0, r.stderr);
  return c.tree();
}

forEachRemote('nested repositories', (world) => {
  test('without --recursive the nested repository is untouched; with it both sync, each to its own remote', async () => {
    const w = await world();
    const parent = await w.collaborator('parent');
    const url2 = await otherRemote(w);
    const sub = await nestedRepo(parent, 'sub/dir', url2, w);
    const url3 = await otherRemote(w);
    const deeper = await nestedRepo(sub, 'deeper', url3, w);
    await parent.write('p.txt', 'parent');
    await sub.write('s.txt', 'sub');
    await deeper.write('d.txt', 'deeper');

    const plain = await parent.lsync('sync');
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /==/);
    assert.deepEqual(await cloneOf(w, w.url, 'c1'), { 'p.txt': 'parent' });
    assert.deepEqual(await cloneOf(w, url2, 'c2'), {});

    await parent.write('p2.txt', 'parent 2');
    const st = await parent.lsync('status', '--recursive');
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /^== \. \(/m);
    assert.match(st.stdout, /^== sub\/dir \(/m);
    assert.match(st.stdout, /^== sub\/dir\/deeper \(/m);

    const r = await parent.lsync('sync', '--recursive');
    assert.equal(r.code, 0, r.stderr);
    const order = [...r.stdout.matchAll(/^== (\S+) \((.*)\)$/gm)].map((m) => m[1]);
    assert.deepEqual(order, ['.', 'sub/dir', 'sub/dir/deeper']);
    assert.match(r.stdout, /== sub\/dir \((s3|file):\/\/.*\)\nuploaded\s+s\.txt/);
    // The parent never sends the nested repositories' files.
    assert.deepEqual(await cloneOf(w, w.url, 'c3'), { 'p.txt': 'parent', 'p2.txt': 'parent 2' });
    assert.deepEqual(await cloneOf(w, url2, 'c4'), { 's.txt': 'sub' });
    assert.deepEqual(await cloneOf(w, url3, 'c5'), { 'd.txt': 'deeper' });
  });

  test('--json names the repository on every line; the exit code is the worst of all; paths are refused', async () => {
    const w = await world();
    const parent = await w.collaborator('parent');
    const url2 = await otherRemote(w);
    const sub = await nestedRepo(parent, 'sub', url2, w);
    await sub.write('x.txt', 'mine');
    // A conflict in the nested repository only: someone else added x.txt differently.
    const other = new Collaborator('other', join(w.tmp, 'other'), w.env);
    await mkdir(other.dir);
    assert.equal((await other.lsync('init', url2)).code, 0);
    await other.write('x.txt', 'theirs');
    assert.equal((await other.lsync('sync')).code, 0);

    await parent.write('p.txt', 'parent');
    const r = await parent.lsync('sync', '--recursive', '--json');
    assert.equal(r.code, 3, r.stderr);
    const lines = Collaborator.json(r);
    assert.ok(lines.length > 0);
    for (const l of lines) assert.ok(l['repository'] === '.' || l['repository'] === 'sub', JSON.stringify(l));
    const summaries = lines.filter((l) => l['type'] === 'summary').map((l) => l['repository']);
    assert.deepEqual(summaries, ['.', 'sub']);
    const conflict = lines.find((l) => l['type'] === 'conflict');
    assert.equal(conflict?.['repository'], 'sub');

    // A nested repository that cannot run (locked) is reported, the others still run; 2 beats 3.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(sub.dir, '.lsync', 'lock'), JSON.stringify({ pid: process.pid, hostname: (await import('node:os')).hostname(), command: 'sync', started: new Date().toISOString(), token: 'x' }));
    await parent.write('p3.txt', 'more');
    const locked = await parent.lsync('sync', '--recursive');
    assert.equal(locked.code, 2, locked.stderr);
    assert.match(locked.stderr, /in sub:\nlsync: .*locked/);
    assert.match(locked.stdout, /uploaded\s+p3\.txt/);

    const withPaths = await parent.lsync('sync', 'p.txt', '--recursive');
    assert.equal(withPaths.code, 2);
    assert.match(withPaths.stderr, /--recursive .* paths/);
  });
});
