/**
 * Resumable multipart uploads (PutOptions.resume) on real servers: an interrupted put continued by
 * the next one, checkpoints that cannot be used, and upload cleanup (listUploads / abortUpload).
 *
 * Files of 16 MiB in 5 MiB parts (5 + 5 + 5 + 1). The interrupted put runs with one request in
 * flight, so parts go one at a time and "abort during part 3" leaves exactly parts 1 and 2.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UploadCheckpoints } from '../../src/exec/checkpoints.js';
import type { UploadCheckpoint, UploadCheckpointStore } from '../../src/remote/remote.js';
import { parseCheckpoint } from '../../src/remote/s3/multipart.js';
import { S3Remote } from '../../src/remote/s3/s3-remote.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer, type ServerKind } from '../support/servers.js';

const MiB = 1024 * 1024;
const SIZE = 16 * MiB;

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

async function readAll(remote: S3Remote, path: string): Promise<Buffer> {
  const { body } = await remote.get(path);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function pending(remote: S3Remote): Promise<{ path: string; uploadId: string; initiatedMs: number }[]> {
  const out = [];
  for await (const u of remote.listUploads()) out.push(u);
  return out;
}

/** A store in memory that also checks saves never overlap. */
function memoryStore(initial?: UploadCheckpoint): UploadCheckpointStore & { current(): UploadCheckpoint | undefined; maxActive: number } {
  let saved = initial;
  let active = 0;
  const store = {
    maxActive: 0,
    current: () => saved,
    load: async () => saved,
    save: async (c: UploadCheckpoint) => {
      active++;
      store.maxActive = Math.max(store.maxActive, active);
      await new Promise((r) => setTimeout(r, 20)); // slow disk: parts finish faster than saves
      saved = JSON.parse(JSON.stringify(c)) as UploadCheckpoint;
      active--;
    },
    clear: async () => {
      saved = undefined;
    },
  };
  return store;
}

for (const kind of serverKinds()) {
  describe(`resumable uploads on ${kind}`, () => {
    const server = useServer(kind);
    let scratch: string;
    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'lsync-resume-'));
    });
    after(() => rm(scratch, { recursive: true, force: true }));

    let n = 0;
    const open = (bucket: string, concurrency: number): S3Remote =>
      s3RemoteOn(server(), {
        bucket,
        prefix: `r${++n}/`,
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
        concurrency,
        maxAttempts: 1,
      });

    /** A local file of SIZE random bytes, with its identity for UploadCheckpoints. */
    async function localFile(name: string): Promise<{ file: string; data: Buffer; identity: { size: number; mtimeMs: number; md5: string } }> {
      const data = randomBytes(SIZE);
      const file = join(scratch, name);
      await writeFile(file, data);
      const st = await stat(file);
      return { file, data, identity: { size: st.size, mtimeMs: st.mtimeMs, md5: md5(data) } };
    }

    /** Put, aborted once `limit` bytes went out; resolves to the bytes sent. */
    async function interruptedPut(remote: S3Remote, path: string, file: string, data: Buffer, store: UploadCheckpointStore, limit: number): Promise<number> {
      const controller = new AbortController();
      let sent = 0;
      const put = remote.put(path, { kind: 'file', file, size: SIZE }, {
        meta: { md5: md5(data) },
        resume: store,
        signal: controller.signal,
        throttle: async (bytes) => {
          sent += bytes;
          if (sent > limit) controller.abort();
        },
      });
      await assert.rejects(put, (err: unknown) => err instanceof Error && err.name === 'AbortError');
      return sent;
    }

    /** Put to completion, counting the bytes sent. */
    async function countedPut(remote: S3Remote, path: string, file: string, data: Buffer, store: UploadCheckpointStore): Promise<number> {
      let sent = 0;
      await remote.put(path, { kind: 'file', file, size: SIZE }, {
        meta: { md5: md5(data) },
        resume: store,
        throttle: async (bytes) => {
          sent += bytes;
        },
      });
      return sent;
    }

    test('an interrupted put is continued: only the missing parts are sent, then the checkpoint is cleared', async () => {
      const remote = open(await server().createBucket(), 1);
      try {
        const meta = join(scratch, 'repo1', '.lsync');
        await mkdir(meta, { recursive: true });
        const checkpoints = new UploadCheckpoints(meta);
        const { file, data, identity } = await localFile('one.bin');
        const store = checkpoints.storeFor('one.bin', identity);

        await interruptedPut(remote, 'one.bin', file, data, store, 12 * MiB);
        const cp = parseCheckpoint((await store.load())?.state);
        assert.ok(cp !== undefined, 'a checkpoint was saved');
        assert.deepEqual(cp.parts.map((p) => p.partNumber), [1, 2]);
        assert.equal(await remote.stat('one.bin'), undefined);
        if (kind === 'moto') assert.deepEqual((await pending(remote)).map((u) => u.uploadId), [cp.uploadId], 'the upload is kept');

        const sent = await countedPut(remote, 'one.bin', file, data, store);
        assert.equal(sent, SIZE - 10 * MiB, 'parts 3 and 4 only');
        const object = await remote.stat('one.bin');
        assert.equal(object?.size, SIZE);
        assert.equal(object?.meta?.md5, identity.md5);
        assert.equal(md5(await readAll(remote, 'one.bin')), identity.md5);
        assert.equal(await store.load(), undefined);
        assert.deepEqual(await readdir(checkpoints.dir), []);
        assert.deepEqual(await pending(remote), []);
      } finally {
        await remote.close();
      }
    });

    test('saves are serialised while parts run in parallel', async () => {
      const remote = open(await server().createBucket(), 4);
      try {
        const { file, data, identity } = await localFile('par.bin');
        const store = memoryStore();
        await countedPut(remote, 'par.bin', file, data, store);
        assert.equal(store.maxActive, 1);
        assert.equal(store.current(), undefined);
        assert.equal(md5(await readAll(remote, 'par.bin')), identity.md5);
      } finally {
        await remote.close();
      }
    });

    test('a checkpoint whose upload was aborted on the service: a fresh upload', { skip: skipWithoutAbort(kind) }, async () => {
      const remote = open(await server().createBucket(), 1);
      try {
        const { file, data, identity } = await localFile('gone.bin');
        const store = memoryStore();
        await interruptedPut(remote, 'gone.bin', file, data, store, 7 * MiB);
        const cp = parseCheckpoint(store.current()?.state);
        assert.ok(cp !== undefined);
        await remote.abortUpload('gone.bin', cp.uploadId);

        assert.equal(await countedPut(remote, 'gone.bin', file, data, store), SIZE, 'everything again');
        assert.equal(md5(await readAll(remote, 'gone.bin')), identity.md5);
        assert.equal(store.current(), undefined);
        assert.deepEqual(await pending(remote), []);
      } finally {
        await remote.close();
      }
    });

    test('a checkpoint for other content is not used, and its upload is aborted', async () => {
      const remote = open(await server().createBucket(), 1);
      try {
        const first = await localFile('other.bin');
        const store = memoryStore();
        await interruptedPut(remote, 'other.bin', first.file, first.data, store, 12 * MiB);
        const old = parseCheckpoint(store.current()?.state);
        assert.ok(old !== undefined && old.parts.length === 2);

        const second = await localFile('other.bin'); // same path and size, new content
        assert.equal(await countedPut(remote, 'other.bin', second.file, second.data, store), SIZE);
        assert.equal(md5(await readAll(remote, 'other.bin')), second.identity.md5);
        assert.equal((await remote.stat('other.bin'))?.meta?.md5, second.identity.md5);
        assert.equal(store.current(), undefined);
        assert.deepEqual(await pending(remote), [], 'the old upload was aborted');
      } finally {
        await remote.close();
      }
    });

    test('listUploads, abortUpload and discardUpload', async () => {
      const remote = open(await server().createBucket(), 1);
      try {
        const a = await localFile('a.bin');
        const b = await localFile('b.bin');
        const storeA = memoryStore();
        const storeB = memoryStore();
        await interruptedPut(remote, 'dir/a.bin', a.file, a.data, storeA, 7 * MiB);
        await interruptedPut(remote, 'b.bin', b.file, b.data, storeB, 7 * MiB);
        const cpA = parseCheckpoint(storeA.current()?.state);
        const cpB = storeB.current();
        assert.ok(cpA !== undefined && cpB !== undefined);
        const listed = await pending(remote);
        if (kind === 's3rver') {
          // No ListMultipartUploads / AbortMultipartUpload there: nothing listed, aborts do nothing.
          assert.deepEqual(listed, []);
          await remote.abortUpload('dir/a.bin', cpA.uploadId);
          await remote.discardUpload(cpB);
          return;
        }
        assert.deepEqual(listed.map((u) => u.path).sort(), ['b.bin', 'dir/a.bin']);
        const upA = listed.find((u) => u.path === 'dir/a.bin');
        assert.equal(upA?.uploadId, cpA.uploadId);
        // moto reports a fixed 2010 date as Initiated: only check that one is there.
        assert.ok((upA?.initiatedMs ?? 0) > 0);
        await remote.abortUpload('dir/a.bin', cpA.uploadId);
        await remote.abortUpload('dir/a.bin', cpA.uploadId); // already gone: fine
        await remote.discardUpload(cpB);
        assert.deepEqual(await pending(remote), []);
      } finally {
        await remote.close();
      }
    });

    test('a put without resume still aborts its upload on failure', { skip: skipWithoutAbort(kind) }, async () => {
      const remote = open(await server().createBucket(), 1);
      try {
        const { file, data } = await localFile('plain.bin');
        const controller = new AbortController();
        let sent = 0;
        const put = remote.put('plain.bin', { kind: 'file', file, size: SIZE }, {
          meta: { md5: md5(data) },
          signal: controller.signal,
          throttle: async (bytes) => {
            if ((sent += bytes) > 7 * MiB) controller.abort();
          },
        });
        await assert.rejects(put);
        assert.deepEqual(await pending(remote), []);
      } finally {
        await remote.close();
      }
    });
  });
}

function skipWithoutAbort(kind: ServerKind): string | false {
  return kind === 's3rver' ? 's3rver has no AbortMultipartUpload' : false;
}
