/**
 * The version part of the Remote contract (listVersions, getVersion, keepVersion): one set of tests
 * for every server, bare and through the wrapped stack. Two kinds of target, one behaviour seen
 * from outside: where the service keeps versions (`serviceVersions`), a delete leaves a marker and
 * keepVersion is not needed (undefined); elsewhere lsync's kept copies and the current object are
 * the versions, and a delete leaves no marker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OpenedRemote } from '../../src/remote/open.js';
import type { Remote, RemoteVersion } from '../../src/remote/remote.js';
import { listAll, md5, readAll, rejectsKind } from './contract.js';

export interface VersionsTarget {
  /** A fresh, empty remote on each call. */
  open(): Promise<OpenedRemote>;
  /** The bucket keeps versions itself (S3 versioning on). */
  readonly serviceVersions: boolean;
  /** `a` and `a/b` can both be objects (S3; not a directory, where `a` is a file or a folder). */
  readonly nested: boolean;
  close(): Promise<void>;
}

type Versioned = Remote & Required<Pick<Remote, 'listVersions' | 'getVersion' | 'keepVersion'>>;

function versioned(r: Remote): Versioned {
  assert.ok(r.listVersions !== undefined && r.getVersion !== undefined && r.keepVersion !== undefined, 'every remote lsync ships has versions');
  return r as Versioned;
}

async function put(r: Remote, path: string, text: string, ifMatch?: string): Promise<string> {
  const data = Buffer.from(text);
  const res = await r.put(path, { kind: 'bytes', data }, { meta: { md5: md5(data), mtimeMs: 1_700_000_000_000 + text.length, mode: 0o644, host: 'h1', user: 'u1' }, ...(ifMatch !== undefined ? { ifMatch } : {}) });
  return res.etag;
}

/** Overwrite (or delete) the way a push does: keep the old object first, under the ETag the plan saw. */
async function keepThen(r: Versioned, path: string, etag: string, next: string | undefined): Promise<string | undefined> {
  await r.keepVersion(path, etag);
  if (next === undefined) {
    await r.delete(path, { ifMatch: etag });
    return undefined;
  }
  return put(r, path, next, etag);
}

async function content(r: Versioned, path: string, v: RemoteVersion): Promise<string> {
  return (await readAll((await r.getVersion(path, v.id)).body)).toString();
}

export function versionsContract(name: string, makeTarget: () => Promise<VersionsTarget>, wrap: (r: OpenedRemote) => Remote = (r) => r): void {
  describe(`Remote versions contract: ${name}`, () => {
    let target: VersionsTarget;
    let remote: Versioned;
    before(async () => {
      target = await makeTarget();
      remote = versioned(wrap(await target.open()));
    });
    after(async () => {
      await remote?.close();
      await target?.close();
    });

    test('a path never written has no versions', async () => {
      assert.deepEqual(await remote.listVersions('never/written.txt'), []);
    });

    test('v1, v2, v3 then a delete: every version listed newest first, each read back byte-exact', async () => {
      const path = 'v/notes +%#\u00E9.txt';
      const texts = ['one', 'two, longer', 'three!'];
      let etag = await put(remote, path, texts[0] ?? '');
      for (const next of [texts[1], texts[2], undefined]) etag = (await keepThen(remote, path, etag, next)) ?? etag;
      const versions = await remote.listVersions(path);
      const withContent = versions.filter((v) => !v.isDelete);
      assert.equal(withContent.length, 3, JSON.stringify(versions));
      // Newest first: the contents in reverse order of writing.
      assert.deepEqual(await Promise.all(withContent.map((v) => content(remote, path, v))), [...texts].reverse());
      for (const v of withContent) {
        const text = await content(remote, path, v);
        assert.equal(v.size, text.length);
        assert.equal(v.hash, md5(Buffer.from(text)));
        assert.equal(v.metadata.host, 'h1', 'the writer is kept with each version');
        assert.equal(v.metadata.md5, md5(Buffer.from(text)));
      }
      assert.equal(new Set(versions.map((v) => v.id)).size, versions.length, 'ids are unique');
      if (target.serviceVersions) {
        assert.equal(versions[0]?.isDelete, true, 'the delete marker is the newest version');
        await rejectsKind(remote.getVersion(path, versions[0]?.id ?? ''), 'not-found');
      } else {
        assert.ok(!versions.some((v) => v.isDelete), 'kept copies leave no delete marker');
      }
      // The ids stay valid: listing again gives the same ones.
      assert.deepEqual((await remote.listVersions(path)).map((v) => v.id), versions.map((v) => v.id));
    });

    test('a ranged read of a version', async () => {
      const path = 'v/range.bin';
      const etag = await put(remote, path, '0123456789');
      await keepThen(remote, path, etag, 'replaced');
      const old = (await remote.listVersions(path)).find((v) => v.size === 10);
      assert.ok(old);
      assert.equal((await readAll((await remote.getVersion(path, old.id, { start: 2, end: 5 })).body)).toString(), '234');
    });

    test('versions of exactly the path: not of longer keys, not of paths below it', async () => {
      const paths = target.nested ? ['x/a', 'x/ab', 'x/a/b'] : ['x/a', 'x/ab', 'x/a.b'];
      for (const p of paths) {
        const etag = await put(remote, p, `first ${p}`);
        await keepThen(remote, p, etag, `second ${p}`);
      }
      for (const p of paths) {
        const versions = (await remote.listVersions(p)).filter((v) => !v.isDelete);
        assert.deepEqual(await Promise.all(versions.map((v) => content(remote, p, v))), [`second ${p}`, `first ${p}`], p);
      }
    });

    test('kept copies are not user data: the listing does not show them', async () => {
      const etag = await put(remote, 'k/a.txt', 'a1');
      await keepThen(remote, 'k/a.txt', etag, 'a2');
      assert.deepEqual((await listAll(remote, 'k')).map((o) => o.path), ['k/a.txt']);
      assert.ok(!(await listAll(remote)).some((o) => o.path.startsWith('.lsync/')));
    });

    test('keepVersion: guarded by the ETag seen; not needed where the service keeps versions', async () => {
      const etag = await put(remote, 'g/a.txt', 'guarded');
      if (target.serviceVersions) {
        assert.equal(await remote.keepVersion('g/a.txt', etag), undefined);
        return;
      }
      await rejectsKind(remote.keepVersion('g/a.txt', 'stale-etag'), 'precondition');
      await rejectsKind(remote.keepVersion('g/missing.txt', etag), 'precondition');
      const id = await remote.keepVersion('g/a.txt', etag);
      assert.ok(id !== undefined && (await remote.listVersions('g/a.txt')).some((v) => v.id === id));
    });

    test('pruneVersions: by count and by age, never the only copy of a deleted file', async () => {
      // A remote of its own: retention covers every kept copy of a remote.
      const r = versioned(wrap(await target.open()));
      try {
        const prune = r.pruneVersions;
        assert.ok(prune !== undefined, 'every remote lsync ships prunes its kept copies');
        let a = await put(r, 'p/a.txt', 'a0');
        for (const next of ['a1', 'a22', 'a333', 'a4444']) a = (await keepThen(r, 'p/a.txt', a, next)) ?? a;
        const b = (await keepThen(r, 'p/b.txt', await put(r, 'p/b.txt', 'b0'), 'b11')) ?? '';
        await keepThen(r, 'p/b.txt', b, undefined);
        const texts = async (path: string): Promise<string[]> => Promise.all((await r.listVersions(path)).filter((v) => !v.isDelete).map((v) => content(r, path, v)));
        if (target.serviceVersions) {
          assert.deepEqual(await prune({ keep: 0, nowMs: Date.now() }), { dropped: 0, kept: 0 }, "service versions are the bucket lifecycle's");
          assert.equal((await texts('p/a.txt')).length, 5);
          return;
        }
        assert.deepEqual(await prune({ keep: 2, nowMs: Date.now() }), { dropped: 2, kept: 4 });
        assert.deepEqual(await texts('p/a.txt'), ['a4444', 'a333', 'a22'], 'the current object and the two newest copies');
        assert.deepEqual(await texts('p/b.txt'), ['b11', 'b0']);
        // A day from now every copy is older than a minute: all go but the deleted file's last content.
        assert.deepEqual(await prune({ keep: 100, maxAgeMs: 60_000, nowMs: Date.now() + 86_400_000 }), { dropped: 3, kept: 1 });
        assert.deepEqual(await texts('p/a.txt'), ['a4444']);
        assert.deepEqual(await texts('p/b.txt'), ['b11'], 'the newest copy of a deleted file stays');
        assert.deepEqual(await prune({ keep: 0, nowMs: Date.now() }), { dropped: 0, kept: 1 });
        assert.deepEqual(await texts('p/b.txt'), ['b11']);
      } finally {
        await r.close();
      }
    });

    test('an unknown version id is not-found', async () => {
      await put(remote, 'u/a.txt', 'x');
      await rejectsKind(remote.getVersion('u/a.txt', target.serviceVersions ? 'no-such-version-id' : 'kept:20200101T000000000Z-nope'), 'not-found');
    });
  });
}
