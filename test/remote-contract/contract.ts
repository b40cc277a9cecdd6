/**
 * The Remote contract suite: one set of tests every implementation and every server must pass.
 * A target file (file.test.ts, s3rver.test.ts, moto.test.ts) calls `remoteContract` with a way to
 * open fresh, empty remotes on its backend.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pLimit from 'p-limit';
import { compareKeys } from '../../src/core/paths.js';
import type { OpenedRemote, ProbedCapabilities } from '../../src/remote/open.js';
import { RemoteError, type RemoteErrorKind, type Remote, type RemoteObject } from '../../src/remote/remote.js';

export interface OpenTuning {
  readonly multipartThreshold?: number;
  readonly partSize?: number;
}

export interface ContractTarget {
  /** A fresh, empty remote (new prefix or directory) on each call. */
  open(tuning?: OpenTuning): Promise<OpenedRemote>;
  /** A remote whose bucket (directory) does not exist. */
  openMissing(): Promise<OpenedRemote>;
  /** A remote the service refuses for its credentials; absent where the service accepts any. */
  openBadCredentials?(): Promise<OpenedRemote>;
  /** What probeCapabilities() must report on this service. */
  readonly expectedCapabilities: ProbedCapabilities;
  /** Stop servers, remove directories. */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

export function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

export async function readAll(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export async function listAll(remote: Remote, under?: string): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for await (const o of remote.list(under)) out.push(o);
  return out;
}

async function putBytes(remote: Remote, path: string, text: string | Uint8Array, extra: { ifMatch?: string; ifNoneMatch?: boolean } = {}) {
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  return remote.put(path, { kind: 'bytes', data }, { meta: { md5: md5(data), mtimeMs: 1_700_000_000_123, mode: 0o644 }, ...extra });
}

export async function rejectsKind(p: Promise<unknown>, kind: RemoteErrorKind): Promise<RemoteError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RemoteError, `expected RemoteError(${kind}), got ${String(err)}`);
    assert.equal(err.kind, kind, `expected kind ${kind}: ${err.message}`);
    assert.ok(!err.message.includes('\n'), 'one-line message');
    return err;
  }
  assert.fail(`expected RemoteError(${kind}), but it succeeded`);
}

/** Awkward names: byte-order traps, URL-reserved characters, Unicode normalisation twins. */
export const TRICKY_NAMES: readonly string[] = [
  'plain.txt',
  'with space.txt',
  'plus+sign.txt',
  'percent%20.txt',
  'hash#tag.txt',
  'question?.txt',
  'back\\slash.txt',
  'amp&eq=semi;colon:at@.txt',
  'emoji-\u{1F600}.txt', // outside the BMP: after U+FFFD in UTF-8 order, before it in UTF-16
  'emoji-\uFFFD.txt',
  'emoji-\uE000.txt',
  'caf\u00E9.txt', // NFC
  'cafe\u0301.txt', // NFD: a different key
  'deep/ nested /dir/file.txt',
  // ~1000 bytes in segments short enough for any file system (NAME_MAX 255)
  Array.from({ length: 5 }, (_, i) => `${i}`.repeat(199)).join('/').slice(0, 1000),
];

export interface ContractOptions {
  /**
   * The stack under test around each opened remote (e.g. wrapRemote's retry and bandwidth limit):
   * the contract holds through the wrappers too. Absent: the bare remote.
   */
  readonly wrap?: (remote: OpenedRemote) => Remote;
}

export function remoteContract(name: string, makeTarget: () => Promise<ContractTarget>, options: ContractOptions = {}): void {
  const wrap = options.wrap ?? ((r: OpenedRemote): Remote => r);
  describe(`Remote contract: ${name}`, () => {
    let target: ContractTarget;
    let opened: OpenedRemote;
    let remote: Remote;
    let scratch: string;
    before(async () => {
      target = await makeTarget();
      opened = await target.open();
      remote = wrap(opened);
      scratch = await mkdtemp(join(tmpdir(), 'lsync-contract-'));
    });
    after(async () => {
      await remote?.close();
      await target?.close();
      if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    });

    test('check() passes on a usable remote; display carries no credentials', async () => {
      await remote.check();
      assert.doesNotMatch(remote.display, /S3RVER|testing|secret/i);
    });

    test('put / stat / get round trip with metadata', async () => {
      const data = Buffer.from('hello, remote\n');
      const put = await remote.put('rt/hello.txt', { kind: 'bytes', data }, { meta: { md5: md5(data), mtimeMs: 1_700_000_000_123.5, mode: 0o640 } });
      assert.ok(put.etag.length > 0 && !put.etag.includes('"'));
      const st = await remote.stat('rt/hello.txt');
      assert.ok(st);
      assert.equal(st.path, 'rt/hello.txt');
      assert.equal(st.size, data.length);
      assert.equal(st.etag, put.etag);
      assert.equal(st.meta?.md5, md5(data));
      assert.equal(st.meta?.mode, 0o640);
      assert.ok(Math.abs((st.meta?.mtimeMs ?? 0) - 1_700_000_000_123.5) < 1);
      const got = await remote.get('rt/hello.txt');
      assert.deepEqual(await readAll(got.body), data);
      assert.equal(got.object.etag, put.etag);
      assert.equal(got.object.size, data.length);
      const listed = await listAll(remote, 'rt');
      assert.deepEqual(listed.map((o) => [o.path, o.size, o.etag]), [['rt/hello.txt', data.length, put.etag]]);
    });

    test('put from a file; stat of a missing object is undefined; get of it is not-found', async () => {
      const file = join(scratch, 'source.bin');
      const data = randomBytes(70_000);
      await writeFile(file, data);
      let progress = 0;
      await remote.put('rt/from-file.bin', { kind: 'file', file, size: data.length }, { meta: { md5: md5(data) }, onProgress: (n) => (progress += n) });
      assert.equal(progress, data.length);
      assert.deepEqual(await readAll((await remote.get('rt/from-file.bin')).body), data);
      assert.equal(await remote.stat('rt/missing'), undefined);
      await rejectsKind(remote.get('rt/missing'), 'not-found');
    });

    test('put refuses content that does not match meta.md5', async () => {
      const data = Buffer.from('actual content');
      await rejectsKind(remote.put('rt/bad-md5', { kind: 'bytes', data }, { meta: { md5: md5(Buffer.from('other')) } }), 'permanent');
      assert.equal(await remote.stat('rt/bad-md5'), undefined);
    });

    test('tricky names round-trip byte-exact and list in UTF-8 byte order', async () => {
      const limit = pLimit(8);
      await Promise.all(TRICKY_NAMES.map((n) => limit(() => putBytes(remote, `names/${n}`, `content of ${n}`))));
      const listed = (await listAll(remote, 'names')).map((o) => o.path);
      const expected = TRICKY_NAMES.map((n) => `names/${n}`).sort(compareKeys);
      assert.deepEqual(listed, expected);
      // The byte-order trap really is one: UTF-16 order would put the emoji first.
      assert.ok(listed.indexOf('names/emoji-\uFFFD.txt') < listed.indexOf('names/emoji-\u{1F600}.txt'));
      for (const n of TRICKY_NAMES) {
        const got = await remote.get(`names/${n}`);
        assert.equal((await readAll(got.body)).toString(), `content of ${n}`, n);
        assert.ok(await remote.stat(`names/${n}`), n);
      }
    });

    test('list(under) is a folder scope; list() in byte order', async () => {
      for (const p of ['scope/dir/a', 'scope/dir/sub/b', 'scope/dir-x', 'scope/dir.txt', 'scope/dirz', 'scope/di']) await putBytes(remote, p, p);
      assert.deepEqual((await listAll(remote, 'scope/dir')).map((o) => o.path), ['scope/dir/a', 'scope/dir/sub/b']);
      assert.deepEqual((await listAll(remote, 'scope/dir.txt')).map((o) => o.path), ['scope/dir.txt']);
      assert.deepEqual((await listAll(remote, 'scope/nothing')).map((o) => o.path), []);
      const all = (await listAll(remote)).map((o) => o.path);
      assert.deepEqual(all, [...all].sort(compareKeys));
      assert.ok(all.includes('scope/dir-x') && all.includes('rt/hello.txt'));
    });

    test('listing skips the remote bookkeeping folder, but not nested .lsync folders', async () => {
      try {
        await putBytes(remote, '.lsync/bookkeeping', 'x');
      } catch (err) {
        // A directory remote refuses to write into its own state folder; that is fine too.
        assert.ok(err instanceof RemoteError && err.kind === 'permanent');
      }
      await putBytes(remote, 'nest/.lsync/x', 'nested');
      const all = (await listAll(remote)).map((o) => o.path);
      assert.ok(!all.some((p) => p.startsWith('.lsync/')), all.join(','));
      assert.ok(all.includes('nest/.lsync/x'));
    });

    test('folder markers (dir/) are objects', async () => {
      await putBytes(remote, 'markers/empty/', '');
      const listed = (await listAll(remote, 'markers')).map((o) => o.path);
      assert.deepEqual(listed, ['markers/empty/']);
      const st = await remote.stat('markers/empty/');
      assert.equal(st?.size, 0);
      await remote.delete('markers/empty/');
      assert.deepEqual(await listAll(remote, 'markers'), []);
    });

    test('more than 1,000 keys list completely (pagination)', async () => {
      const n = 1050;
      const paths = Array.from({ length: n }, (_, i) => `many/k${String(i).padStart(5, '0')}`);
      const limit = pLimit(16);
      await Promise.all(paths.map((p) => limit(() => putBytes(remote, p, ''))));
      const listed = (await listAll(remote, 'many')).map((o) => o.path);
      assert.equal(listed.length, n);
      assert.deepEqual(listed, paths);
    });

    test('ranged get', async () => {
      const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
      const { etag } = await putBytes(remote, 'range/r.bin', data);
      const slice = async (start?: number, end?: number) =>
        readAll((await remote.get('range/r.bin', { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) })).body);
      assert.deepEqual(await slice(10, 20), data.subarray(10, 20));
      assert.deepEqual(await slice(90), data.subarray(90));
      assert.deepEqual(await slice(undefined, 5), data.subarray(0, 5));
      assert.deepEqual(await slice(7, 7), Buffer.alloc(0));
      const got = await remote.get('range/r.bin', { start: 50, end: 60, ifMatch: etag });
      assert.equal(got.object.size, 100, 'object size is the whole object, not the range');
      assert.deepEqual(await readAll(got.body), data.subarray(50, 60));
      await rejectsKind(remote.get('range/r.bin', { ifMatch: 'stale-etag' }), 'precondition');
    });

    test('conditional put', async () => {
      const first = await putBytes(remote, 'cond/a', 'one', { ifNoneMatch: true });
      await rejectsKind(putBytes(remote, 'cond/a', 'two', { ifNoneMatch: true }), 'precondition');
      const second = await putBytes(remote, 'cond/a', 'second', { ifMatch: first.etag });
      assert.notEqual(second.etag, first.etag);
      await rejectsKind(putBytes(remote, 'cond/a', 'third', { ifMatch: first.etag }), 'precondition');
      await rejectsKind(putBytes(remote, 'cond/missing', 'x', { ifMatch: first.etag }), 'precondition');
      assert.equal((await readAll((await remote.get('cond/a')).body)).toString(), 'second');
      assert.equal(await remote.stat('cond/missing'), undefined);
    });

    test('conditional and idempotent delete', async () => {
      const { etag } = await putBytes(remote, 'del/a', 'to delete');
      await rejectsKind(remote.delete('del/a', { ifMatch: 'stale-etag' }), 'precondition');
      assert.ok(await remote.stat('del/a'), 'still there after a refused delete');
      await remote.delete('del/a', { ifMatch: etag });
      assert.equal(await remote.stat('del/a'), undefined);
      await remote.delete('del/a'); // already gone
      await remote.delete('del/a', { ifMatch: etag }); // already gone: the goal is reached
      assert.deepEqual(await listAll(remote, 'del'), []);
    });

    test('server-side copy keeps content and metadata; guarded by ifMatch', async () => {
      const data = Buffer.from('copy me');
      const from = 'copy/src +%#?\u{1F600} \u00E9.txt';
      const to = 'copy/dst dir/new +%#?\u{1F600}.txt';
      const { etag } = await remote.put(from, { kind: 'bytes', data }, { meta: { md5: md5(data), mtimeMs: 1_600_000_000_000, mode: 0o600 } });
      const copied = await remote.copy(from, to, { ifMatch: etag });
      assert.ok(copied.etag.length > 0);
      const st = await remote.stat(to);
      assert.ok(st);
      assert.equal(st.etag, copied.etag);
      assert.equal(st.meta?.md5, md5(data));
      assert.equal(st.meta?.mtimeMs, 1_600_000_000_000);
      assert.equal(st.meta?.mode, 0o600);
      assert.deepEqual(await readAll((await remote.get(to)).body), data);
      assert.ok(await remote.stat(from), 'source kept');
      await rejectsKind(remote.copy(from, 'copy/other', { ifMatch: 'stale-etag' }), 'precondition');
      await rejectsKind(remote.copy('copy/missing', 'copy/other'), 'not-found');
      assert.equal(await remote.stat('copy/other'), undefined);
    });

    test('large put goes multipart; md5 metadata and content are right', async () => {
      const big = wrap(await target.open({ multipartThreshold: 5 * MiB, partSize: 5 * MiB }));
      try {
        const file = join(scratch, 'big.bin');
        const data = randomBytes(11 * MiB + 12345);
        await writeFile(file, data);
        let progress = 0;
        const put = await big.put('mp/big.bin', { kind: 'file', file, size: data.length }, {
          meta: { md5: md5(data), mtimeMs: 1_650_000_000_000, mode: 0o755 },
          onProgress: (n) => (progress += n),
        });
        assert.equal(progress, data.length);
        const st = await big.stat('mp/big.bin');
        assert.ok(st);
        assert.equal(st.etag, put.etag);
        assert.equal(st.size, data.length);
        assert.equal(st.meta?.md5, md5(data));
        assert.equal(st.meta?.mode, 0o755);
        assert.equal(md5(await readAll((await big.get('mp/big.bin')).body)), md5(data));
        // Conditional multipart: a stale ifMatch fails before anything is sent.
        await rejectsKind(
          big.put('mp/big.bin', { kind: 'file', file, size: data.length }, { meta: {}, ifMatch: 'stale-etag' }),
          'precondition',
        );
        await rejectsKind(big.put('mp/big.bin', { kind: 'file', file, size: data.length }, { meta: {}, ifNoneMatch: true }), 'precondition');
      } finally {
        await big.close();
      }
    });

    test('getIfChanged: unchanged without a body, changed with the whole object, missing', async () => {
      const read = remote.getIfChanged?.bind(remote);
      assert.ok(read !== undefined, 'every remote lsync ships has the conditional read');
      const first = await putBytes(remote, 'head/h.json', '{"n":1}');
      const fresh = await read('head/h.json', undefined);
      assert.equal(fresh.state, 'changed');
      if (fresh.state !== 'changed') return;
      assert.equal(fresh.data.toString(), '{"n":1}');
      assert.equal(fresh.object.etag, first.etag);
      assert.equal(fresh.object.path, 'head/h.json');
      assert.deepEqual(await read('head/h.json', first.etag), { state: 'unchanged' });
      const second = await putBytes(remote, 'head/h.json', '{"n":2}');
      const changed = await read('head/h.json', first.etag);
      assert.equal(changed.state, 'changed');
      if (changed.state === 'changed') {
        assert.equal(changed.data.toString(), '{"n":2}');
        assert.equal(changed.object.etag, second.etag);
      }
      assert.deepEqual(await read('head/none.json', first.etag), { state: 'missing' });
      assert.deepEqual(await read('head/none.json', undefined), { state: 'missing' });
      await rejectsKind(read('head/h.json', 'stale', { maxBytes: 3 }), 'permanent');
    });

    test('missing bucket → no-bucket', async () => {
      const missing = wrap(await target.openMissing());
      try {
        const err = await rejectsKind(missing.check(), 'no-bucket');
        assert.match(err.message, /does not exist/);
        await rejectsKind(listAll(missing), 'no-bucket');
      } finally {
        await missing.close();
      }
    });

    test('refused credentials → auth, secret never in the message', async (t) => {
      if (target.openBadCredentials === undefined) return t.skip('this service accepts any credentials');
      const bad = wrap(await target.openBadCredentials());
      try {
        const err = await rejectsKind(bad.check(), 'auth');
        assert.doesNotMatch(err.message, /not-the-secret/);
        await rejectsKind(bad.put('x', { kind: 'bytes', data: Buffer.from('x') }, { meta: {} }), 'auth');
      } finally {
        await bad.close();
      }
    });

    test('probeCapabilities reports what the service does', async () => {
      const caps = await opened.probeCapabilities();
      assert.deepEqual(caps, target.expectedCapabilities);
      const all = (await listAll(remote)).map((o) => o.path);
      assert.ok(!all.some((p) => p.includes('probe-')), 'probe object removed');
    });
  });
}
