/**
 * A collaborator's write that lands between lsync's look and its write is never overwritten, and a
 * local edit made while lsync works is never clobbered. The race is made deterministic with a
 * wrapper at lsync's own Remote interface that runs the collaborator's write just before lsync's
 * (the wire underneath is real: file://, s3rver, moto).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { plan } from '../../src/core/plan.js';
import type { Plan, Snapshot } from '../../src/core/types.js';
import { execute, type ExecResult } from '../../src/exec/executor.js';
import { Trash } from '../../src/exec/localfs.js';
import { takeSnapshot } from '../../src/app/snapshot.js';
import { openRemote, parseRemoteUrl } from '../../src/remote/open.js';
import type { Remote } from '../../src/remote/remote.js';
import { openDatabase } from '../../src/state/db.js';
import type { Database } from '../../src/state/database.js';
import { serverKinds, useServer, type ServerInfo } from '../support/servers.js';

type Kind = 'file' | 's3rver' | 'moto';

/** Runs `before` once, just before the first call of `op` on `path`, then behaves as `remote`. */
function raceBefore(remote: Remote, op: 'put' | 'delete' | 'copy', path: string, before: () => Promise<void>): Remote {
  let fired = false;
  return new Proxy(remote, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== op || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        if (!fired && args[0] === path) {
          fired = true;
          await before();
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

async function text(remote: Remote, path: string): Promise<string> {
  const got = await remote.get(path);
  const chunks: Buffer[] = [];
  for await (const c of got.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

for (const kind of ['file', ...serverKinds()] as Kind[]) {
  describe(`races [${kind}]`, () => {
    const server = kind === 'file' ? undefined : useServer(kind);
    const made: string[] = [];
    after(async () => {
      for (const dir of made) await rm(dir, { recursive: true, force: true });
    });

    /** old.txt synced, then renamed locally to new.txt: the plan is one remote move. */
    async function renamedOldToNew(): Promise<Awaited<ReturnType<typeof setup>> & { plan: Plan }> {
      const world = await setup();
      const { root, metaDir, remote, db } = world;
      await writeFile(join(root, 'old.txt'), 'moving content');
      await run((await look(root, remote, db)).plan, root, metaDir, remote, db);
      await rename(join(root, 'old.txt'), join(root, 'new.txt'));
      const { plan } = await look(root, remote, db);
      assert.deepEqual(plan.actions.map((a) => `${a.type} ${a.path}`), ['move-remote new.txt']);
      return { ...world, plan };
    }

    async function setup(): Promise<{ root: string; metaDir: string; remote: Remote; other: Remote; db: Database }> {
      const tmp = await mkdtemp(join(tmpdir(), `lsync-race-${kind}-`));
      made.push(tmp);
      const root = join(tmp, 'repo');
      const metaDir = join(root, '.lsync');
      await mkdir(metaDir, { recursive: true });
      let url: string;
      let info: ServerInfo | undefined;
      if (server === undefined) {
        await mkdir(join(tmp, 'remote'));
        url = `file://${join(tmp, 'remote')}`;
      } else {
        info = server();
        url = `s3://${await info.createBucket()}/p`;
      }
      const open = async (): Promise<Remote> => {
        const r = await openRemote(parseRemoteUrl(url), info === undefined ? {} : {
          endpoint: info.endpoint,
          region: info.region,
          provider: kind,
          credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
        });
        if (info !== undefined) {
          const caps = await r.probeCapabilities();
          await r.close();
          return openRemote(parseRemoteUrl(url), {
            endpoint: info.endpoint,
            region: info.region,
            provider: kind,
            credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
            conditionalWrites: caps.conditionalWrites,
            ...(caps.conditionalDeletes !== undefined ? { conditionalDeletes: caps.conditionalDeletes } : {}),
            ...(caps.conditionalCopies !== undefined ? { conditionalCopies: caps.conditionalCopies } : {}),
          });
        }
        return r;
      };
      return { root, metaDir, remote: await open(), other: await open(), db: await openDatabase(metaDir) };
    }

    async function look(root: string, remote: Remote, db: Database, mode: 'sync' | 'push' = 'sync'): Promise<{ snapshot: Snapshot; plan: Plan }> {
      const snapshot = await takeSnapshot({ root, remote, base: db.entries, scopes: [], useGitignore: false, concurrency: 4, emit: () => undefined });
      return { snapshot, plan: plan(snapshot, { mode, force: false, mirror: false, maxDeleteShare: 0.5, maxDeleteFloor: 10 }) };
    }

    async function run(p: Plan, root: string, metaDir: string, remote: Remote, db: Database): Promise<ExecResult> {
      return execute(p.actions, { root, metaDir, remote, db, trash: new Trash(root, join(metaDir, 'trash', 't')), emit: () => undefined, concurrency: 4 });
    }

    test('an upload never replaces an object a collaborator wrote after the listing', async () => {
      const { root, metaDir, remote, other, db } = await setup();
      await writeFile(join(root, 'a.txt'), 'v1');
      let r = await run((await look(root, remote, db)).plan, root, metaDir, remote, db);
      assert.equal(r.done, 1);
      const etagV1 = db.entries.get('a.txt')?.etag;

      await writeFile(join(root, 'a.txt'), 'v2 local edit');
      await writeFile(join(root, 'new.txt'), 'mine');
      const { plan: p } = await look(root, remote, db);
      assert.deepEqual(p.actions.map((a) => `${a.type} ${a.path}`), ['upload a.txt', 'upload new.txt']);
      // The collaborator writes both paths after our listing, just before our writes.
      let racing = raceBefore(remote, 'put', 'a.txt', async () => {
        await other.put('a.txt', { kind: 'bytes', data: Buffer.from('collaborator v2!') }, { meta: {} });
      });
      racing = raceBefore(racing, 'put', 'new.txt', async () => {
        await other.put('new.txt', { kind: 'bytes', data: Buffer.from('theirs') }, { meta: {} });
      });
      r = await run(p, root, metaDir, racing, db);
      assert.equal(r.skipped, 2);
      assert.equal(r.failed, 0);
      assert.equal(await text(other, 'a.txt'), 'collaborator v2!');
      assert.equal(await text(other, 'new.txt'), 'theirs');
      assert.equal(db.entries.get('a.txt')?.etag, etagV1, 'the database records nothing that did not happen');
      assert.equal(db.entries.has('new.txt'), false);
      // The next look sees what it is: conflicts, with both versions intact.
      const again = await look(root, remote, db);
      assert.deepEqual(again.plan.conflicts.map((c) => c.path), ['a.txt', 'new.txt']);
      assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), 'v2 local edit');
      await Promise.all([remote.close(), other.close(), db.close()]);
    });

    test('a remote delete never removes an object a collaborator rewrote after the listing', async () => {
      const { root, metaDir, remote, other, db } = await setup();
      await writeFile(join(root, 'gone.txt'), 'v1');
      await run((await look(root, remote, db)).plan, root, metaDir, remote, db);
      await rm(join(root, 'gone.txt'));
      const { plan: p } = await look(root, remote, db);
      assert.deepEqual(p.actions.map((a) => `${a.type} ${a.path}`), ['delete-remote gone.txt']);
      const racing = raceBefore(remote, 'delete', 'gone.txt', async () => {
        await other.put('gone.txt', { kind: 'bytes', data: Buffer.from('edited, keep me') }, { meta: {} });
      });
      const r = await run(p, root, metaDir, racing, db);
      assert.equal(r.skipped, 1);
      assert.equal(await text(other, 'gone.txt'), 'edited, keep me');
      await Promise.all([remote.close(), other.close(), db.close()]);
    });

    test('a remote move never overwrites an object a collaborator put at the new path after the listing', async () => {
      const { root, metaDir, remote, other, db, plan: p } = await renamedOldToNew();
      const racing = raceBefore(remote, 'copy', 'old.txt', async () => {
        await other.put('new.txt', { kind: 'bytes', data: Buffer.from('theirs, at the new name') }, { meta: {} });
      });
      const r = await run(p, root, metaDir, racing, db);
      assert.equal(r.skipped, 1);
      assert.equal(r.failed, 0);
      assert.equal(await text(other, 'new.txt'), 'theirs, at the new name');
      assert.equal(await text(other, 'old.txt'), 'moving content', 'the source stays: nothing was moved');
      assert.equal(db.entries.has('new.txt'), false);
      assert.equal(db.entries.has('old.txt'), true);
      await Promise.all([remote.close(), other.close(), db.close()]);
    });

    test('a remote move never copies (or deletes) a source a collaborator rewrote after the listing', async () => {
      const { root, metaDir, remote, other, db, plan: p } = await renamedOldToNew();
      const racing = raceBefore(remote, 'copy', 'old.txt', async () => {
        await other.put('old.txt', { kind: 'bytes', data: Buffer.from('their edit of the old name') }, { meta: {} });
      });
      const r = await run(p, root, metaDir, racing, db);
      assert.equal(r.skipped, 1);
      assert.equal(r.failed, 0);
      assert.equal(await text(other, 'old.txt'), 'their edit of the old name');
      assert.equal(await other.stat('new.txt'), undefined, 'their bytes are not left at the new name');
      assert.equal(db.entries.has('new.txt'), false);
      // Next look: their edit against our delete of old.txt (the edit wins), and new.txt to upload.
      const again = await look(root, remote, db);
      assert.deepEqual(again.plan.actions.map((a) => `${a.type} ${a.path}`), ['upload new.txt', 'download old.txt']);
      await Promise.all([remote.close(), other.close(), db.close()]);
    });

    test('a download never clobbers a local edit made after the scan', async () => {
      const { root, metaDir, remote, other, db } = await setup();
      await writeFile(join(root, 'doc.txt'), 'v1');
      await run((await look(root, remote, db)).plan, root, metaDir, remote, db);
      await other.put('doc.txt', { kind: 'bytes', data: Buffer.from('remote v2') }, { meta: {} });
      const { plan: p } = await look(root, remote, db);
      assert.deepEqual(p.actions.map((a) => `${a.type} ${a.path}`), ['download doc.txt']);
      await writeFile(join(root, 'doc.txt'), 'local edit made during the run');
      const r = await run(p, root, metaDir, remote, db);
      assert.equal(r.skipped, 1);
      assert.equal(await readFile(join(root, 'doc.txt'), 'utf8'), 'local edit made during the run');
      await Promise.all([remote.close(), other.close(), db.close()]);
    });
  });
}
