/**
 * Part MD5s computed beside the whole-file MD5 (md5-thread.ts fileDigests) and handed to the
 * multipart upload (PutOptions.partMd5s): the digests must be right, an upload must check each
 * part's ETag against them (so bytes other than those hashed never complete an object), and
 * digests that do not describe the upload's parts must be ignored, not trusted.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { S3Remote } from '../../src/remote/s3/s3-remote.js';
import { withKnownDigests, type PartSource } from '../../src/remote/s3/part-source.js';
import { RemoteError } from '../../src/remote/remote.js';
import { fileDigests } from '../../src/scan/md5-thread.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer } from '../support/servers.js';

const MiB = 1024 * 1024;
const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fileOf(data: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lsync-digests-'));
  dirs.push(dir);
  const file = join(dir, 'data.bin');
  await writeFile(file, data);
  return file;
}

describe('fileDigests', () => {
  test('the whole MD5 and one MD5 per part, the last part shorter', async () => {
    const data = randomBytes(5 * MiB + 12345);
    const file = await fileOf(data);
    const d = await fileDigests(file, data.byteLength, 2 * MiB);
    assert.equal(d.md5, md5(data));
    assert.equal(d.parts.partSize, 2 * MiB);
    assert.deepEqual(d.parts.md5s, [md5(data.subarray(0, 2 * MiB)), md5(data.subarray(2 * MiB, 4 * MiB)), md5(data.subarray(4 * MiB))]);
  });

  test('an exact multiple of the part size has no empty last part', async () => {
    const data = randomBytes(4 * MiB);
    const d = await fileDigests(await fileOf(data), data.byteLength, MiB);
    assert.equal(d.parts.md5s.length, 4);
  });

  test('a file shorter than announced fails, and an abort stops it', async () => {
    const data = randomBytes(MiB);
    const file = await fileOf(data);
    await assert.rejects(fileDigests(file, 2 * MiB, MiB));
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(fileDigests(file, MiB, MiB, controller.signal), /stop/);
  });
});

describe('withKnownDigests', () => {
  const source: PartSource = {
    read: async () => new Uint8Array(),
    stream: () => {
      throw new Error('not used');
    },
    md5: async (offset, length) => `hashed ${offset}+${length}`,
    close: async () => undefined,
  };

  test('answers whole parts from the digests, anything else by hashing', async () => {
    const s = withKnownDigests(source, 10, 25, { partSize: 10, md5s: ['a', 'b', 'c'] });
    assert.equal(await s.md5(0, 10), 'a');
    assert.equal(await s.md5(20, 5), 'c');
    assert.equal(await s.md5(5, 10), 'hashed 5+10');
    assert.equal(await s.md5(10, 5), 'hashed 10+5');
  });

  test('digests for another part size or another length are not used at all', async () => {
    assert.equal(withKnownDigests(source, 10, 25, { partSize: 8, md5s: ['a', 'b', 'c', 'd'] }), source);
    assert.equal(withKnownDigests(source, 10, 25, { partSize: 10, md5s: ['a', 'b'] }), source);
    assert.equal(withKnownDigests(source, 10, 25, undefined), source);
  });
});

for (const kind of serverKinds()) {
  describe(`multipart upload with known part digests on ${kind}`, () => {
    const server = useServer(kind);
    const open = async (): Promise<S3Remote> =>
      s3RemoteOn(server(), {
        bucket: await server().createBucket(),
        prefix: 'p/',
        concurrency: 8,
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
      });

    test('right digests: the object is complete; digests of other bytes: refused, nothing written', async () => {
      const remote = await open();
      try {
        const data = randomBytes(12 * MiB);
        const file = await fileOf(data);
        assert.equal(remote.partSizeFor(data.byteLength), 5 * MiB);
        assert.equal(remote.partSizeFor(MiB), undefined, 'below the threshold: one request');
        const d = await fileDigests(file, data.byteLength, 5 * MiB);
        await remote.put('good.bin', { kind: 'file', file, size: data.byteLength }, { meta: { md5: d.md5 }, ifNoneMatch: true, partMd5s: d.parts });
        const got = await remote.stat('good.bin');
        assert.equal(got?.size, data.byteLength);
        assert.equal(got?.meta?.md5, md5(data));

        // The file "changed" after it was hashed: its second part is no longer what the digests say.
        const other = Buffer.from(data);
        other[6 * MiB] = (other[6 * MiB] ?? 0) ^ 0xff;
        const changed = await fileOf(other);
        await assert.rejects(
          remote.put('bad.bin', { kind: 'file', file: changed, size: other.byteLength }, { meta: { md5: d.md5 }, ifNoneMatch: true, partMd5s: d.parts }),
          (e: unknown) => e instanceof RemoteError && e.kind === 'permanent' && /changed while it was being uploaded/.test(e.message),
        );
        assert.equal(await remote.stat('bad.bin'), undefined, 'no object from bytes other than those hashed');
      } finally {
        await remote.close();
      }
    });
  });
}
