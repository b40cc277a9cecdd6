/**
 * Directories (SPEC "Safety": empty directories sync both ways as `dir/` marker objects and
 * disappear both ways), with two collaborators on one remote, through the real CLI, against every
 * remote kind. What another tool sees is checked with that tool's own view of the remote (the raw
 * S3 client, or the plain directory of a file:// remote).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Collaborator, forEachRemote, type World } from '../support/world.js';
import { rawS3 } from '../support/foreign.js';

/** Every folder under a repository (outside .lsync/), with a trailing slash. */
async function folders(c: Collaborator): Promise<string[]> {
  return foldersUnder(c.dir);
}

async function foldersUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      if (!e.isDirectory() || e.name === '.lsync') continue;
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(`${p}/`);
      await walk(p);
    }
  };
  await walk('');
  return out.sort();
}

/**
 * The remote as another tool lists it: S3 keys (markers end in `/`), or for file:// every file and
 * every folder (with `/`) of the mirror directory.
 */
async function remoteKeys(w: World): Promise<string[]> {
  if (w.server === undefined) {
    const root = fileURLToPath(w.url);
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
        if (rel === '' && e.name === '.lsync') continue;
        const p = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) {
          out.push(`${p}/`);
          await walk(p);
        } else out.push(p);
      }
    };
    await walk('');
    return out.sort();
  }
  const { client, bucket, prefix } = rawS3(w);
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (page.Contents ?? [])
      .map((o) => (o.Key ?? '').slice(prefix.length))
      .filter((k) => !k.startsWith('.lsync/'))
      .sort();
  } finally {
    client.destroy();
  }
}

/** What another tool does to make an empty folder: a zero-byte `dir/` key, or mkdir in the mirror. */
async function foreignMkdir(w: World, path: string): Promise<void> {
  if (w.server === undefined) {
    await mkdir(join(fileURLToPath(w.url), ...path.split('/')), { recursive: true });
    return;
  }
  const { client, bucket, prefix } = rawS3(w);
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${path}/`, Body: '' }));
  } finally {
    client.destroy();
  }
}

async function foreignRmdir(w: World, path: string): Promise<void> {
  if (w.server === undefined) {
    await rmdir(join(fileURLToPath(w.url), ...path.split('/')));
    return;
  }
  const { client, bucket, prefix } = rawS3(w);
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}${path}/` }));
  } finally {
    client.destroy();
  }
}

async function sync(c: Collaborator, ...args: string[]): Promise<Record<string, unknown>[]> {
  const r = await c.lsync('sync', '--json', ...args);
  assert.equal(r.code, 0, `${c.name}: ${r.stderr}${r.stdout}`);
  return Collaborator.json(r);
}

forEachRemote('directories', (world) => {
  test('an empty folder made by A appears at B, as a dir/ marker on the remote; removed by A, it is gone everywhere', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await mkdir(a.abs('empty'));

    // status and --dry-run show the folder and change nothing.
    let r = await a.lsync('status');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /upload\s+empty\//);
    r = await a.lsync('status', '--json');
    const plan = Collaborator.json(r)[0];
    assert.deepEqual(plan?.['actions'], [{ type: 'upload', path: 'empty', kind: 'dir', bytes: 0 }]);
    r = await a.lsync('sync', '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await remoteKeys(w), []);

    const events = await sync(a);
    assert.ok(events.some((e) => e['type'] === 'done' && e['action'] === 'upload' && e['path'] === 'empty' && e['kind'] === 'dir'));
    assert.deepEqual(await remoteKeys(w), ['empty/']);
    await sync(b);
    assert.deepEqual(await folders(b), ['empty/']);
    await a.assertClean();
    await b.assertClean();

    await rmdir(a.abs('empty'));
    await sync(a);
    assert.deepEqual(await remoteKeys(w), []);
    await sync(b);
    assert.deepEqual(await folders(b), []);
    await a.assertClean();
    await b.assertClean();
  });

  test('an empty folder made on the remote by another tool appears locally, and its removal there travels', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    await foreignMkdir(w, 'from-console');
    await sync(a);
    assert.deepEqual(await folders(a), ['from-console/']);
    await a.assertClean();
    // The other tool removes it again: the local folder, still empty, follows.
    await foreignRmdir(w, 'from-console');
    await sync(a);
    assert.deepEqual(await folders(a), []);
    await a.assertClean();
  });

  test('nested empty folders a/b/c round trip, and go away together', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await mkdir(a.abs('a/b/c'), { recursive: true });
    await sync(a);
    // Only the deepest folder needs a marker: the others are implied by it.
    assert.deepEqual(await remoteKeys(w), w.server === undefined ? ['a/', 'a/b/', 'a/b/c/'] : ['a/b/c/']);
    await sync(b);
    assert.deepEqual(await folders(b), ['a/', 'a/b/', 'a/b/c/']);
    await a.assertClean();
    await b.assertClean();

    await b.rm('a');
    await sync(b);
    assert.deepEqual(await remoteKeys(w), []);
    await sync(a);
    assert.deepEqual(await folders(a), [], 'the emptied parents are removed too, deepest first');
    await a.assertClean();
    await b.assertClean();
  });

  test('only the innermost of nested empty folders removed: its parent stays on both sides (issue 11 defect 3)', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await mkdir(a.abs('deep/a/b/c'), { recursive: true });
    await sync(a);
    await sync(b);
    assert.deepEqual(await folders(b), ['deep/', 'deep/a/', 'deep/a/b/', 'deep/a/b/c/']);

    await rmdir(b.abs('deep/a/b/c'));
    let r = await b.lsync('push');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await folders(b), ['deep/', 'deep/a/', 'deep/a/b/']);
    r = await a.lsync('pull');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await folders(a), ['deep/', 'deep/a/', 'deep/a/b/'], 'A keeps deep/a/b, which B still has');
    assert.deepEqual(await folders(a), await folders(b));
    await a.assertClean();
    await b.assertClean();
  });

  test('a folder tree of files deleted by A leaves no empty folder at B and no key on the remote', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('keep.txt', 'stays');
    await a.write('tree/one.txt', '1');
    await a.write('tree/sub/two.txt', 'two');
    await a.write('tree/sub/deeper/three.txt', 'three!');
    await mkdir(a.abs('tree/sub/empty'));
    await sync(a);
    await sync(b);
    assert.deepEqual(await b.tree(), await a.tree());
    assert.deepEqual(await folders(b), ['tree/', 'tree/sub/', 'tree/sub/deeper/', 'tree/sub/empty/']);

    await a.rm('tree');
    await sync(a);
    assert.deepEqual(await remoteKeys(w), ['keep.txt']);
    await sync(b);
    assert.deepEqual(await b.tree(), { 'keep.txt': 'stays' });
    assert.deepEqual(await folders(b), [], 'no leftover empty folders');
    await a.assertClean();
    await b.assertClean();
  });

  test('a folder emptied of its files but kept stays, as an empty folder, on both sides', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('box/x.txt', 'x');
    await a.write('box/y.txt', 'yy');
    await sync(a);
    await sync(b);
    await a.rm('box/x.txt');
    await a.rm('box/y.txt');
    await sync(a);
    assert.deepEqual(await remoteKeys(w), ['box/']);
    await sync(b);
    assert.deepEqual(await b.tree(), {});
    assert.deepEqual(await folders(b), ['box/']);
    await a.assertClean();
    await b.assertClean();

    // Files again: lsync's own marker is redundant once files imply the folder, and goes.
    await b.write('box/z.txt', 'zzz');
    await sync(b);
    await sync(a);
    await sync(b);
    assert.deepEqual(await a.tree(), { 'box/z.txt': 'zzz' });
    if (w.server !== undefined) assert.deepEqual(await remoteKeys(w), ['box/z.txt']);
    await a.assertClean();
    await b.assertClean();
  });

  test('a file B adds into a folder whose marker A deleted meanwhile is kept', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await mkdir(a.abs('shared'));
    await sync(a);
    await sync(b);
    assert.deepEqual(await folders(b), ['shared/']);

    await rmdir(a.abs('shared'));
    await sync(a);
    assert.deepEqual(await remoteKeys(w), []);
    await b.write('shared/new.txt', 'written by b meanwhile');
    await sync(b);
    assert.equal(await b.read('shared/new.txt'), 'written by b meanwhile');
    assert.ok((await remoteKeys(w)).includes('shared/new.txt'));
    await sync(a);
    assert.equal(await a.read('shared/new.txt'), 'written by b meanwhile');
    await a.assertClean();
    await b.assertClean();
  });

  test('a folder with another tool’s marker and files keeps the marker; ignored folders stay out', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    await foreignMkdir(w, 'console');
    const { foreignPut } = await import('../support/foreign.js');
    await foreignPut(w, { 'console/file.txt': 'from the console' });
    await a.write('.lsyncignore', 'scratch/\n');
    await mkdir(a.abs('scratch/tmp'), { recursive: true });
    await sync(a);
    assert.equal(await a.read('console/file.txt'), 'from the console');
    assert.ok(!(await remoteKeys(w)).some((k) => k.startsWith('scratch')), 'ignored folders are not sent');
    await sync(a);
    if (w.server !== undefined) assert.ok((await remoteKeys(w)).includes('console/'), 'a foreign marker next to files is kept');
    await a.assertClean();
    assert.ok(existsSync(a.abs('scratch/tmp')));
  });
});
