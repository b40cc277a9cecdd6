/** UploadCheckpoints (src/exec/checkpoints.ts) and the S3 byte budget, without a server. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UploadCheckpoints } from '../../src/exec/checkpoints.js';
import { ByteBudget } from '../../src/remote/s3/budget.js';

describe('UploadCheckpoints', () => {
  let root: string;
  let meta: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'lsync-checkpoints-'));
    meta = join(root, '.lsync');
    await mkdir(meta);
  });
  after(() => rm(root, { recursive: true, force: true }));

  async function local(path: string, content: string): Promise<{ size: number; mtimeMs: number; md5: string }> {
    const file = join(root, ...path.split('/'));
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, content);
    const st = await stat(file);
    return { size: st.size, mtimeMs: st.mtimeMs, md5: createHash('md5').update(content).digest('hex') };
  }

  test('save, load, clear; persisted as .lsync/uploads/<sha1(path)>.json', async () => {
    const checkpoints = new UploadCheckpoints(meta);
    const identity = await local('docs/a.bin', 'aaaa');
    const store = checkpoints.storeFor('docs/a.bin', identity);
    assert.equal(await store.load(), undefined);
    await store.save({ state: { uploadId: 'u1', parts: [1] } });
    await store.save({ state: { uploadId: 'u1', parts: [1, 2] } });
    assert.deepEqual(await store.load(), { state: { uploadId: 'u1', parts: [1, 2] } });
    const name = `${createHash('sha1').update('docs/a.bin').digest('hex')}.json`;
    assert.deepEqual(await readdir(checkpoints.dir), [name]);
    const stored: unknown = JSON.parse(await readFile(join(meta, 'uploads', name), 'utf8'));
    assert.deepEqual(stored, { path: 'docs/a.bin', identity, checkpoint: { uploadId: 'u1', parts: [1, 2] } });
    // A fresh instance (the next run) sees it too.
    assert.deepEqual(await new UploadCheckpoints(meta).storeFor('docs/a.bin', identity).load(), { state: { uploadId: 'u1', parts: [1, 2] } });
    await store.clear();
    await store.clear(); // nothing left: fine
    assert.equal(await store.load(), undefined);
    assert.deepEqual(await readdir(checkpoints.dir), []);
  });

  test('load() gives nothing for another identity', async () => {
    const checkpoints = new UploadCheckpoints(meta);
    const identity = await local('b.bin', 'bbbb');
    await checkpoints.storeFor('b.bin', identity).save({ state: 'x' });
    assert.equal(await checkpoints.storeFor('b.bin', { ...identity, md5: '0'.repeat(32) }).load(), undefined);
    assert.equal(await checkpoints.storeFor('b.bin', { ...identity, size: 5 }).load(), undefined);
    assert.equal(await checkpoints.storeFor('b.bin', { ...identity, mtimeMs: identity.mtimeMs + 1 }).load(), undefined);
    assert.deepEqual(await checkpoints.storeFor('b.bin', { ...identity, md5: identity.md5.toUpperCase() }).load(), { state: 'x' });
    await checkpoints.discard('b.bin');
  });

  test('stale(): changed or deleted files, and damaged checkpoint files', async () => {
    const dir = join(root, 'stale');
    await mkdir(join(dir, '.lsync'), { recursive: true });
    const checkpoints = new UploadCheckpoints(join(dir, '.lsync'));
    const write = async (p: string, c: string) => {
      await mkdir(join(dir, ...p.split('/'), '..'), { recursive: true });
      await writeFile(join(dir, ...p.split('/')), c);
      const st = await stat(join(dir, ...p.split('/')));
      return { size: st.size, mtimeMs: st.mtimeMs, md5: createHash('md5').update(c).digest('hex') };
    };
    const same = await write('same.bin', 'same');
    const grown = await write('x/grown.bin', 'grown');
    const touched = await write('touched.bin', 'touched');
    const gone = await write('gone.bin', 'gone');
    for (const [p, id] of [['same.bin', same], ['x/grown.bin', grown], ['touched.bin', touched], ['gone.bin', gone]] as const) {
      await checkpoints.storeFor(p, id).save({ state: { p } });
    }
    await writeFile(join(dir, 'x', 'grown.bin'), 'grown more');
    await utimes(join(dir, 'touched.bin'), new Date(), new Date(touched.mtimeMs + 5000));
    await unlink(join(dir, 'gone.bin'));
    await writeFile(join(checkpoints.dir, `${'f'.repeat(40)}.json`), '{ torn');
    await writeFile(join(checkpoints.dir, '.leftover.json.tmp-1-abcd'), 'x');

    const stale = await checkpoints.stale();
    assert.deepEqual(
      stale.map((s) => s.path).sort(),
      ['gone.bin', 'touched.bin', 'x/grown.bin'],
    );
    assert.deepEqual(stale.find((s) => s.path === 'gone.bin')?.state, { p: 'gone.bin' });
    // Damaged and temporary files are removed; the stale ones stay until discarded.
    assert.equal((await readdir(checkpoints.dir)).length, 4);
    for (const s of stale) await checkpoints.discard(s.path);
    assert.deepEqual((await checkpoints.stale()), []);
    assert.deepEqual(await checkpoints.storeFor('same.bin', same).load(), { state: { p: 'same.bin' } });
  });

  test('stale() without an uploads folder', async () => {
    assert.deepEqual(await new UploadCheckpoints(join(root, 'none', '.lsync')).stale(), []);
  });
});

describe('ByteBudget', () => {
  test('grants in order within the capacity; oversized requests run alone', async () => {
    const budget = new ByteBudget(10);
    const r1 = await budget.acquire(6);
    const order: string[] = [];
    const p2 = budget.acquire(6).then((r) => (order.push('six'), r));
    const p3 = budget.acquire(1).then((r) => (order.push('one'), r)); // queued behind six: no overtaking
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(order, []);
    r1();
    r1(); // twice: no effect
    const r2 = await p2;
    const r3 = await p3;
    assert.deepEqual(order, ['six', 'one']);
    assert.equal(budget.inUse, 7);
    r2();
    r3();
    const big = await budget.acquire(50);
    assert.equal(budget.inUse, 10);
    big();
    assert.equal(budget.inUse, 0);
  });

  test('an aborted wait gives up its place', async () => {
    const budget = new ByteBudget(10);
    const r1 = await budget.acquire(10);
    const controller = new AbortController();
    const waiting = budget.acquire(5, controller.signal);
    const behind = budget.acquire(5);
    controller.abort();
    await assert.rejects(waiting);
    r1();
    (await behind)();
    assert.equal(budget.inUse, 0);
  });

  test('buffers are recycled within the capacity', async () => {
    const budget = new ByteBudget(1024 * 1024);
    const release = await budget.acquire(512 * 1024);
    const a = budget.take(512 * 1024);
    release();
    budget.give(a);
    const again = await budget.acquire(300 * 1024);
    const b = budget.take(300 * 1024);
    assert.equal(b.buffer, a.buffer, 'the same memory');
    assert.equal(b.byteLength, 300 * 1024);
    again();
  });
});
