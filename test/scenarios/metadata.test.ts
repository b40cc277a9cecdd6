/**
 * Metadata round trip (SPEC: lsync keeps mtime and mode with each object): permission bits and
 * mtimes stored on upload (x-amz-meta-lsync-mode / -mtime, or the file:// sidecar) come back on
 * pull at another collaborator; and a change of mtime alone moves no bytes.
 */
import assert from 'node:assert/strict';
import { chmod, stat, utimes } from 'node:fs/promises';
import { test } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Collaborator, forEachRemote } from '../support/world.js';
import { rawS3 } from '../support/foreign.js';

const MTIME = 1_600_000_000_123; // 2020-09-13, with milliseconds
const FILES: Readonly<Record<string, { content: string; mode: number }>> = {
  'bin/run.sh': { content: '#!/bin/sh\necho hello\n', mode: 0o755 },
  'secret.txt': { content: 'keep out', mode: 0o600 },
  'plain.txt': { content: 'plain text, a bit longer', mode: 0o644 },
};

forEachRemote('metadata', (world) => {
  test('mode bits and mtime are stored on upload and restored on pull', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    for (const [path, f] of Object.entries(FILES)) {
      await a.write(path, f.content);
      await chmod(a.abs(path), f.mode);
      await utimes(a.abs(path), new Date(), new Date(MTIME));
    }
    let r = await a.lsync('push');
    assert.equal(r.code, 0, r.stderr);
    if (w.server !== undefined) {
      const { client, bucket, prefix } = rawS3(w);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}bin/run.sh` }));
        assert.equal(head.Metadata?.['lsync-mode'], '755', 'octal, as people read modes');
        assert.ok(Math.abs(Number(head.Metadata?.['lsync-mtime']) - MTIME) < 0.002, head.Metadata?.['lsync-mtime']);
      } finally {
        client.destroy();
      }
    }
    r = await b.lsync('pull');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await b.tree(), await a.tree());
    for (const [path, f] of Object.entries(FILES)) {
      const st = await stat(b.abs(path));
      assert.equal(st.mode & 0o777, f.mode, `${path}: mode`);
      // To the microsecond: Node itself sets 1600000000123 ms as ...122.999 (a double of seconds).
      const sent = (await stat(a.abs(path))).mtimeMs;
      assert.ok(Math.abs(st.mtimeMs - sent) < 0.002 && Math.abs(st.mtimeMs - MTIME) < 0.002, `${path}: mtime ${st.mtimeMs}, sent ${sent}`);
    }
  });

  test('an mtime-only change moves no bytes: lsync records the new stat and sends nothing', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('plain.txt', FILES['plain.txt']?.content ?? '');
    await utimes(a.abs('plain.txt'), new Date(), new Date(MTIME));
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);

    // Touched (same bytes, new mtime): the content hash decides, so nothing is planned.
    const later = MTIME + 86_400_000;
    await utimes(a.abs('plain.txt'), new Date(), new Date(later));
    let r = await a.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr);
    let s = Collaborator.summary(r);
    assert.deepEqual(s['planned'], {});
    assert.equal(s['bytesSent'], 0);
    // The new stat is recorded: the next run trusts it without hashing, and still sends nothing.
    r = await a.lsync('sync', '--json');
    s = Collaborator.summary(r);
    assert.deepEqual(s['planned'], {});
    assert.ok(Math.abs((await stat(a.abs('plain.txt'))).mtimeMs - later) < 0.002);
    // B is not asked to fetch anything: its copy keeps the mtime it was given.
    r = await b.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Collaborator.summary(r)['bytesReceived'], 0);
    assert.ok(Math.abs((await stat(b.abs('plain.txt'))).mtimeMs - MTIME) < 0.002, 'B keeps the mtime it was given');
  });
});
