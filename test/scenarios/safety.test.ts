/**
 * Safety nets: a hand-broken database, the lock, hostile keys in a shared bucket, credentials
 * kept out of output, objects written by other tools.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateMultipartUploadCommand, CompleteMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { Collaborator, forEachRemote } from '../support/world.js';
import { rawS3 } from '../support/foreign.js';


forEachRemote('safety', (world, kind) => {
  test('a corrupt database is exit 2 with a clear message, and nothing changes', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    await a.write('a.txt', 'a');
    assert.equal((await a.lsync('sync')).code, 0);
    await a.lsync('sync'); // compaction may or may not have happened: break whichever file exists
    const index = join(a.dir, '.lsync', 'remotes', 'origin', 'index.yaml');
    const journal = join(a.dir, '.lsync', 'remotes', 'origin', 'journal.yaml');
    await writeFile(index, 'version: 1\nentries:\n  - {"p": 12, "s": "x"}\n');
    await writeFile(journal, '');
    await a.write('new.txt', 'must not be sent');
    const r = await a.lsync('sync');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /index\.yaml/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const b = await w.collaborator('b');
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(Object.keys(await b.tree()), ['a.txt']);
  });

  test('a repository held by another lsync is refused, naming the holder', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const lock = join(a.dir, '.lsync', 'lock');
    // Our own (live) test process stands in for another lsync.
    await writeFile(lock, JSON.stringify({ pid: process.pid, hostname: (await import('node:os')).hostname(), command: 'sync', started: new Date().toISOString(), token: 'x' }));
    const r = await a.lsync('sync');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /locked/);
    assert.match(r.stderr, new RegExp(String(process.pid)));
    // status reads only: it is not blocked by the lock
    assert.equal((await a.lsync('status')).code, 0);
  });

  test('not a repository, bad options: exit 2, one line, no stack', async () => {
    const w = await world();
    const outside = new Collaborator('x', w.tmp, w.env);
    let r = await outside.lsync('status');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not an lsync repository/);
    const a = await w.collaborator('a');
    r = await a.lsync('sync', '--concurrency', '0');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /concurrency/);
    r = await a.lsync('frobnicate');
    assert.equal(r.code, 2);
    r = await a.lsync('sync', '--force');
    assert.equal(r.code, 2);
    r = await a.lsync('init', w.url);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /already an lsync repository/);
  });

  if (kind !== 'file') {
    test('hostile keys in the shared bucket are refused and never written', async () => {
      const w = await world();
      const a = await w.collaborator('a');
      const { client, bucket, prefix } = rawS3(w);
      const put = (key: string, body: string): Promise<unknown> => client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + key, Body: body }));
      await put('fine.txt', 'fine');
      await put('sub/.lsync/config.yaml', 'version: 1\nremote: s3://attacker\n');
      await put('.lsync/index.yaml', 'overwritten');
      if (kind === 'moto') {
        // s3rver stores keys as files and cannot hold these; moto holds any key, as AWS does.
        await put('../escape.txt', 'escape');
        await put('a//b.txt', 'empty segment');
      }
      const r = await a.lsync('sync');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(Object.keys(await a.tree()), ['fine.txt']);
      assert.match(r.stderr, /\.lsync/);
      assert.ok(!existsSync(join(w.tmp, 'escape.txt')));
      assert.ok(!existsSync(join(a.dir, 'sub', '.lsync')));
      const cfg = await readFile(join(a.dir, '.lsync', 'config.yaml'), 'utf8');
      assert.doesNotMatch(cfg, /attacker/);
      client.destroy();
    });

    test('objects written by other tools (single-part and multipart) pull correctly and stay quiet', async () => {
      const w = await world();
      const a = await w.collaborator('a');
      const { client, bucket, prefix } = rawS3(w);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}single.txt`, Body: 'uploaded by another tool' }));
      const part = Buffer.alloc(5 * 1024 * 1024, 7);
      const tail = Buffer.from('tail');
      const up = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${prefix}multi.bin` }));
      const p1 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: `${prefix}multi.bin`, UploadId: up.UploadId, PartNumber: 1, Body: part }));
      const p2 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: `${prefix}multi.bin`, UploadId: up.UploadId, PartNumber: 2, Body: tail }));
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: `${prefix}multi.bin`,
          UploadId: up.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
        }),
      );
      client.destroy();
      let r = await a.lsync('sync');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await a.read('single.txt'), 'uploaded by another tool');
      const got = await readFile(a.abs('multi.bin'));
      assert.equal(got.length, part.length + tail.length);
      r = await a.lsync('status', '--json');
      assert.equal(r.code, 0);
      assert.deepEqual(Collaborator.json(r)[0]?.['actions'], [], 'no false changes after pulling foreign objects');
      // A second collaborator that already has the same bytes adopts them without transfer,
      // even for the multipart object whose ETag is not an MD5.
      const b = await w.collaborator('b');
      await b.write('single.txt', 'uploaded by another tool');
      await b.write('multi.bin', Buffer.concat([part, tail]));
      r = await b.lsync('sync', '--json');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const s = Collaborator.json(r).find((e) => e['type'] === 'summary');
      assert.deepEqual(s?.['planned'], { record: 2 });
      assert.equal(s?.['bytesReceived'], 0);
    });

    test('refused credentials: exit 1, one line, and the secret never printed', async () => {
      const w = await world();
      const a = await w.collaborator('a');
      const secret = 'TOPSECRETvalue1234567890';
      const bad = new Collaborator('a', a.dir, { ...w.env, AWS_ACCESS_KEY_ID: 'WRONGKEY', AWS_SECRET_ACCESS_KEY: secret });
      const r = await bad.lsync('sync', '--verbose');
      if (kind === 's3rver') {
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /credential|access|denied|auth/i);
      }
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(secret));
    });

    test('init reports a missing bucket, and --create-bucket makes it', async () => {
      const w = await world();
      const c = new Collaborator('n', join(w.tmp, 'n'), w.env);
      await mkdir(c.dir);
      const name = `missing-${Date.now()}`;
      let r = await c.lsync('init', `s3://${name}/p`);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(name));
      assert.ok(!existsSync(join(c.dir, '.lsync')), 'no half-made repository');
      r = await c.lsync('init', `s3://${name}/p`, '--create-bucket');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /created/);
    });
  }
});

forEachRemote('credentials', (world, kind) => {
  if (kind !== 's3rver') return;
  test('--profile picks credentials from the shared credentials file', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const creds = join(w.tmp, 'credentials');
    await writeFile(creds, `[lsynctest]\naws_access_key_id = ${w.server?.accessKeyId}\naws_secret_access_key = ${w.server?.secretAccessKey}\n`);
    const env: Record<string, string> = { ...w.env, AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: join(w.tmp, 'no-config') };
    delete env['AWS_ACCESS_KEY_ID'];
    delete env['AWS_SECRET_ACCESS_KEY'];
    const noEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'AWS_ACCESS_KEY_ID' && k !== 'AWS_SECRET_ACCESS_KEY'));
    const { execFile } = await import('node:child_process');
    const { repoRoot } = await import('../support/servers.js');
    const run = (args: string[]): Promise<number> =>
      new Promise((resolve) => {
        execFile(process.execPath, [join(repoRoot(), 'bin', 'lsync.js'), ...args], { cwd: a.dir, env: { ...noEnv, ...env } }, (err) => {
          resolve(err === null ? 0 : typeof err.code === 'number' ? err.code : 1);
        });
      });
    await a.write('p.txt', 'via profile');
    assert.equal(await run(['sync', '--profile', 'lsynctest']), 0);
    assert.equal(await run(['sync', '--profile', 'nosuchprofile']), 1);
  });
});
