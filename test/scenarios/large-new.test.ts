/**
 * New large files: on S3, where they go up in parts, the scan leaves them unhashed and the upload
 * hashes them, whole and part by part in one pass (scan/local.ts deferHash, md5-thread.ts
 * fileDigests). Whatever the plan needs their content for must still see it: an identical file
 * already on the remote is adopted without a transfer, a different one is a conflict that
 * overwrites nothing, and what goes up carries the right MD5 for the collaborators who verify it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Collaborator, forEachRemote } from '../support/world.js';
import { rawS3 } from '../support/foreign.js';

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');
const MiB = 1024 * 1024;

forEachRemote('new large files', (world) => {
  test('pushed with the MD5 of what was sent, and fetched intact by a collaborator', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    // 40 MiB: three parts of 16 MiB on S3 (the default threshold and part size).
    const big = randomBytes(40 * MiB);
    await a.write('media/take-1.bin', big);
    let r = await a.lsync('push', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(Collaborator.summary(r)['bytesSent'], big.byteLength);
    if (w.kind !== 'file') {
      const { client, bucket, prefix } = rawS3(w);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}media/take-1.bin` }));
        assert.equal(head.Metadata?.['lsync-md5'], md5(big), 'the metadata MD5 is the content MD5');
        assert.equal(head.ContentLength, big.byteLength);
        if (w.kind === 'moto') assert.match(head.ETag ?? '', /-3"?$/, 'uploaded in 3 parts');
      } finally {
        client.destroy();
      }
    }
    r = await a.lsync('status', '--json');
    assert.equal(r.code, 0);
    assert.deepEqual((JSON.parse(r.stdout) as { actions: unknown[] }).actions, [], 'the upload was recorded: nothing left to do');

    r = await b.lsync('pull', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(md5(await readFile(b.abs('media/take-1.bin'))), md5(big));
    await a.assertClean();
    await b.assertClean();
  });

  test('an identical new file already on the remote is adopted without moving a byte', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    const big = randomBytes(24 * MiB);
    await a.write('same.bin', big);
    await b.write('same.bin', big);
    assert.equal((await a.lsync('sync')).code, 0);
    const r = await b.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const s = Collaborator.summary(r);
    assert.equal(s['bytesSent'], 0);
    assert.equal(s['bytesReceived'], 0);
    assert.equal(s['failed'], 0);
    await b.assertClean();
  });

  test('a different new file at the same path is a conflict: both versions kept', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    const mine = randomBytes(24 * MiB);
    const theirs = randomBytes(24 * MiB); // same size: only the content tells them apart
    await a.write('clash.bin', theirs);
    await b.write('clash.bin', mine);
    assert.equal((await a.lsync('sync')).code, 0);
    const r = await b.lsync('push', '--json');
    assert.equal(r.code, 3, 'a conflict is reported (exit 3)');
    const conflicts = Collaborator.json(r).filter((e) => e['type'] === 'conflict');
    assert.equal(conflicts.length, 1, r.stdout);
    assert.equal(conflicts[0]?.['path'], 'clash.bin');
    assert.equal(conflicts[0]?.['reason'], 'both-added', 'both contents were hashed and compared');
    assert.equal(md5(await readFile(b.abs('clash.bin'))), md5(mine), 'the local file is untouched');
    assert.equal(Collaborator.summary(r)['bytesSent'], 0, 'nothing overwrote the remote');
  });
});
