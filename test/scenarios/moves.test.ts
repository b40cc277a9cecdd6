/**
 * Renames and moves (SPEC "Three-way rules": a rename is carried out as a rename on the other
 * side), through the real CLI against every remote kind: no byte of a renamed file is sent or
 * received again, and both trees end up identical.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Collaborator, forEachRemote } from '../support/world.js';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { rawS3, remoteBytes } from '../support/foreign.js';

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');


forEachRemote('renames and moves', (world) => {
  test('a renamed file and a renamed folder travel as renames, both ways, without moving a byte', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('report.txt', 'the quarterly report');
    await a.write('keep.txt', 'untouched');
    for (let i = 0; i < 12; i++) await a.write(`drafts/part-${i}.md`, `part ${i} of the draft`);
    await a.write('drafts/deep/notes.md', 'deep notes');
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(await b.tree(), await a.tree());

    // A renames a file and a whole folder (13 files: more than half of the 15, which as deletions
    // would trip the max-delete guard).
    const { rename } = await import('node:fs/promises');
    await rename(a.abs('report.txt'), a.abs('report-q3.txt'));
    await rename(a.abs('drafts'), a.abs('final'));
    let r = await a.lsync('status');
    assert.match(r.stdout, /move remote\s+report\.txt → report-q3\.txt/);
    assert.match(r.stdout, /move remote\s+drafts\/deep\/notes\.md → final\/deep\/notes\.md/);
    r = await a.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    let s = Collaborator.summary(r);
    assert.equal(s['bytesSent'], 0, 'a rename is a server-side copy, not an upload');
    assert.equal(s['failed'], 0);
    assert.deepEqual(s['planned'], { 'move-remote': 14 });
    const done = Collaborator.json(r).filter((e) => e['type'] === 'done');
    assert.ok(done.some((e) => e['action'] === 'move-remote' && e['from'] === 'report.txt' && e['path'] === 'report-q3.txt'));
    assert.equal(await remoteBytes(w, 'report.txt'), undefined);
    assert.equal((await remoteBytes(w, 'final/part-3.md'))?.toString(), 'part 3 of the draft');

    r = await b.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    s = Collaborator.summary(r);
    assert.equal(s['bytesReceived'], 0, 'a remote rename is a local rename, not a download');
    assert.deepEqual(s['planned'], { 'move-local': 14 });
    assert.deepEqual(await b.tree(), await a.tree());
    assert.equal(await b.read('drafts/part-0.md'), undefined);
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(b.abs('drafts')), false, 'the emptied folder is removed');
    assert.equal(existsSync(join(b.dir, '.lsync', 'trash')), false, 'nothing was deleted, so nothing is in the trash');
    await a.assertClean();
    await b.assertClean();
  });

  test('a rename while the collaborator edited the file is not a move: the edit is kept', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('doc.txt', 'v1');
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    await b.write('doc.txt', 'v2 by b, longer');
    assert.equal((await b.lsync('sync')).code, 0);
    const { rename } = await import('node:fs/promises');
    await rename(a.abs('doc.txt'), a.abs('renamed.txt'));
    const r = await a.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Collaborator.summary(r)['planned'] !== undefined && (Collaborator.summary(r)['planned'] as Record<string, number>)['move-remote'], undefined);
    assert.equal(await a.read('doc.txt'), 'v2 by b, longer', "b's edit beats a's delete");
    assert.equal(await a.read('renamed.txt'), 'v1');
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(await b.tree(), await a.tree());
  });

  test('a 64 MiB file moved into a folder is not sent or fetched again', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    const big = randomBytes(64 * 1024 * 1024);
    const digest = md5(big);
    await a.write('video.bin', big);
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);

    // What the server says made each key. moto gives a multipart upload (which lsync's upload of
    // 64 MiB is) a `-N` ETag and a CopyObject the plain MD5; s3rver's ETags never show the form.
    const etagOf = async (path: string): Promise<string | undefined> => {
      const { client, bucket, prefix } = rawS3(w);
      try {
        return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix + path }))).ETag?.replace(/"/g, '');
      } finally {
        client.destroy();
      }
    };
    if (w.kind === 'moto') assert.match((await etagOf('video.bin')) ?? '', /^[0-9a-f]{32}-4$/, 'uploaded in 4 parts');

    const { mkdir, rename } = await import('node:fs/promises');
    await mkdir(a.abs('archive/2024'), { recursive: true });
    await rename(a.abs('video.bin'), a.abs('archive/2024/video.bin'));
    let r = await a.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(Collaborator.summary(r)['bytesSent'], 0);
    assert.deepEqual(Collaborator.summary(r)['planned'], { 'move-remote': 1 });
    const moved = await remoteBytes(w, 'archive/2024/video.bin');
    assert.ok(moved !== undefined, 'the new key exists');
    assert.equal(md5(moved), digest, 'with the same content');
    assert.equal(await remoteBytes(w, 'video.bin'), undefined, 'the old key is gone');
    if (w.kind === 'moto') assert.equal(await etagOf('archive/2024/video.bin'), digest, 'made by CopyObject (a plain-MD5 ETag), not by an upload');

    r = await b.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(Collaborator.summary(r)['bytesReceived'], 0);
    assert.deepEqual(Collaborator.summary(r)['planned'], { 'move-local': 1 });
    assert.equal(md5(await readFile(b.abs('archive/2024/video.bin'))), digest);
    await a.assertClean();
    await b.assertClean();
  });
});
