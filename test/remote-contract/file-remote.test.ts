/** What only the file:// remote promises: a browsable mirror that notices edits made behind its back. */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileRemote } from '../../src/remote/file/file-remote.js';
import { listAll, md5, readAll, rejectsKind } from './contract.js';

describe('FileRemote', () => {
  let dir: string;
  let remote: FileRemote;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lsync-file-only-'));
    remote = new FileRemote(join(dir, 'root'));
    await remote.createBucket();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const put = (path: string, text: string, meta = {}) =>
    remote.put(path, { kind: 'bytes', data: Buffer.from(text) }, { meta: { md5: md5(Buffer.from(text)), ...meta } });

  test('objects are plain files with the recorded mtime and mode; no temp files left', async () => {
    await put('docs/a.txt', 'hello', { mtimeMs: 1_600_000_000_000, mode: 0o600 });
    const st = await stat(join(remote.root, 'docs/a.txt'));
    assert.equal(st.mtimeMs, 1_600_000_000_000);
    assert.equal(st.mode & 0o7777, 0o600);
    assert.deepEqual(await readdir(join(remote.root, '.lsync/tmp')), []);
  });

  test('an edit made by another program changes the ETag and the MD5 is recomputed', async () => {
    const before = await remote.stat('docs/a.txt');
    assert.ok(before);
    // Same size, and the mtime put back: only the ctime (and content) tell.
    const file = join(remote.root, 'docs/a.txt');
    const { mtime } = await lstat(file);
    await writeFile(file, 'HELLO');
    await utimes(file, mtime, mtime);
    const after = await remote.stat('docs/a.txt');
    assert.ok(after);
    assert.notEqual(after.etag, before.etag);
    assert.equal(after.meta?.md5, md5(Buffer.from('HELLO')));
    await rejectsKind(put('docs/a.txt', 'mine', { }).then(() => remote.put('docs/a.txt', { kind: 'bytes', data: Buffer.from('x') }, { meta: {}, ifMatch: before.etag })), 'precondition');
  });

  test('deleting the last file of a folder removes the folder, as on S3', async () => {
    await put('deep/er/x.txt', 'x');
    await remote.delete('deep/er/x.txt');
    await assert.rejects(lstat(join(remote.root, 'deep')), { code: 'ENOENT' });
    assert.ok((await lstat(join(remote.root, 'docs'))).isDirectory(), 'other folders stay');
  });

  test('an empty directory made by hand is a dir/ marker; with a file in it, it is implied', async () => {
    await mkdir(join(remote.root, 'by-hand/inner'), { recursive: true });
    let listed = (await listAll(remote, 'by-hand')).map((o) => o.path);
    assert.deepEqual(listed, ['by-hand/inner/'], 'only the deepest, empty one');
    const st = await remote.stat('by-hand/inner/');
    assert.equal(st?.size, 0);
    // A put into it changes what is there: the bare marker's ETag is gone with it.
    await rejectsKind(remote.delete('by-hand/inner/', { ifMatch: 'not-it' }), 'precondition');
    await put('by-hand/inner/f.txt', 'f');
    listed = (await listAll(remote, 'by-hand')).map((o) => o.path);
    assert.deepEqual(listed, ['by-hand/inner/f.txt']);
    await remote.delete('by-hand/inner/f.txt');
    await assert.rejects(lstat(join(remote.root, 'by-hand')), { code: 'ENOENT' }, 'emptied folders are removed, deepest first');
  });

  test("lsync's marker keeps its folder when the folder's last file goes", async () => {
    await remote.put('kept/', { kind: 'bytes', data: new Uint8Array() }, { meta: {}, ifNoneMatch: true });
    await put('kept/f.txt', 'f');
    assert.deepEqual((await listAll(remote, 'kept')).map((o) => o.path), ['kept/', 'kept/f.txt']);
    await remote.delete('kept/f.txt');
    assert.deepEqual((await listAll(remote, 'kept')).map((o) => o.path), ['kept/']);
    await rejectsKind(remote.put('kept/', { kind: 'bytes', data: new Uint8Array() }, { meta: {}, ifNoneMatch: true }), 'precondition');
    await remote.delete('kept/');
    await assert.rejects(lstat(join(remote.root, 'kept')), { code: 'ENOENT' });
  });

  test('symlinks are neither listed nor followed', async () => {
    await writeFile(join(dir, 'outside.txt'), 'secret');
    await symlink(join(dir, 'outside.txt'), join(remote.root, 'link.txt'));
    await mkdir(join(remote.root, 'real'));
    await symlink(join(remote.root, 'real'), join(remote.root, 'linkdir'));
    await put('real/in.txt', 'in');
    const paths = (await listAll(remote)).map((o) => o.path);
    assert.ok(!paths.includes('link.txt') && !paths.some((p) => p.startsWith('linkdir/')), paths.join(','));
    assert.equal(await remote.stat('link.txt'), undefined);
    await rejectsKind(remote.get('link.txt'), 'not-found');
  });

  test('paths that would leave the root or enter .lsync/ are refused', async () => {
    for (const p of ['../escape', 'a/../../b', '.lsync/meta/x', '/abs', 'a//b', '']) {
      await rejectsKind(put(p, 'x'), 'permanent');
    }
  });

  test('a root that is a file is not usable', async () => {
    await writeFile(join(dir, 'plain-file'), 'x');
    await rejectsKind(new FileRemote(join(dir, 'plain-file')).check(), 'permanent');
  });

  test('ranged get of a file', async () => {
    await put('r.txt', '0123456789');
    assert.equal((await readAll((await remote.get('r.txt', { start: 3, end: 6 })).body)).toString(), '345');
  });
});
