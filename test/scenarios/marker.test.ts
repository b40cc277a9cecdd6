/**
 * A remote that lost lsync's marker is missing, never empty (issue 11 defect 1): a file:// folder
 * replaced by an empty one (a NAS not mounted) or an emptied S3 prefix deletes nothing anywhere.
 * Also: init --dry-run writes nothing (defect 5), init refuses odd prefixes (defect 14), and an
 * lsync 0.1 `.lsync/` is migrated on first use, saying so once.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeleteObjectCommand, HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Collaborator, forEachRemote, type World } from '../support/world.js';
import { rawS3 } from '../support/foreign.js';

const EIGHT = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.txt`, `content ${i}`.repeat(i + 1)]));

/** Empty the remote as a NAS that is not mounted would look: nothing at all, marker included. */
async function emptyRemote(w: World): Promise<void> {
  if (w.kind === 'file') {
    const dir = new URL(w.url).pathname;
    await rm(dir, { recursive: true });
    await mkdir(dir);
    return;
  }
  const { client, bucket, prefix } = rawS3(w);
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  for (const o of listed.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
}

async function synced(w: World): Promise<Collaborator> {
  const a = await w.collaborator('a');
  for (const [p, c] of Object.entries(EIGHT)) await a.write(p, c);
  const r = await a.lsync('sync');
  assert.equal(r.code, 0, r.stderr);
  return a;
}

forEachRemote('missing remote', (world) => {
  test('an emptied remote (marker gone) deletes nothing on either side; init --force sends everything again', async () => {
    const w = await world();
    const a = await synced(w);
    await emptyRemote(w);
    for (const verb of ['sync', 'push', 'pull', 'status']) {
      const r = await a.lsync(verb);
      assert.equal(r.code, 1, `${verb}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /lost the marker.*nothing was changed/);
      assert.match(r.stderr, /lsync init .* --force/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.deepEqual(await a.tree(), EIGHT);
    const init = await a.lsync('init', w.url, '--force');
    assert.equal(init.code, 0, init.stderr);
    const r = await a.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((Collaborator.summary(r)['planned'] as Record<string, number>)['delete-local'] ?? 0, 0);
    assert.deepEqual(await a.tree(), EIGHT);
    const b = await w.collaborator('b');
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(await b.tree(), EIGHT);
  });

  test('a repository from before markers gets one on its next sync when the remote matches its database', async () => {
    const w = await world();
    const a = await synced(w);
    // Forget the marker on both sides, as lsync 0.1 left things.
    await rm(join(a.dir, '.lsync', 'remotes', 'origin', 'remote.json'));
    if (w.kind === 'file') await rm(join(new URL(w.url).pathname, '.lsync', 'repo.json'));
    else {
      const { client, bucket, prefix } = rawS3(w);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}.lsync/repo.json` }));
    }
    assert.equal((await a.lsync('sync')).code, 0);
    assert.ok(existsSync(join(a.dir, '.lsync', 'remotes', 'origin', 'remote.json')));
    // The marker is back: emptying the remote now is refused.
    await emptyRemote(w);
    assert.equal((await a.lsync('sync')).code, 1);
    assert.deepEqual(await a.tree(), EIGHT);
  });

  test('a repository from before markers whose remote is empty refuses too', async () => {
    const w = await world();
    const a = await synced(w);
    await rm(join(a.dir, '.lsync', 'remotes', 'origin', 'remote.json'));
    await emptyRemote(w);
    const r = await a.lsync('sync');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /holds none of the files/);
    assert.deepEqual(await a.tree(), EIGHT);
  });

  test('an lsync 0.1 .lsync/ is migrated on first use, said once, and keeps its state', async () => {
    const w = await world();
    const a = await synced(w);
    const meta = join(a.dir, '.lsync');
    const state = join(meta, 'remotes', 'origin');
    for (const f of await readdir(state)) if (f !== 'remote.json') await rename(join(state, f), join(meta, f));
    await rm(join(meta, 'remotes'), { recursive: true });
    await writeFile(join(meta, 'config.yaml'), `# mine\nversion: 1\nremote: ${w.url}\n`);
    const first = await a.lsync('status', '--json');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /moved this repository's state/);
    assert.deepEqual((Collaborator.json(first)[0] ?? {})['actions'], [], 'the database survived: nothing to do');
    const second = await a.lsync('status');
    assert.doesNotMatch(second.stderr, /moved/);
    assert.ok(existsSync(join(state, 'index.yaml')) || existsSync(join(state, 'journal.yaml')));
  });
});

forEachRemote('init checks', (world, kind) => {
  test('init --dry-run --create-bucket changes nothing: no .lsync/, no bucket', async () => {
    const w = await world();
    const here = join(w.tmp, 'dry');
    await mkdir(here);
    const url = kind === 'file' ? `file://${join(w.tmp, 'not-yet')}` : `s3://dry-${Date.now()}/p`;
    const c = new Collaborator('dry', here, w.env);
    const r = await c.lsync('init', url, '--create-bucket', '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Would initialise/);
    assert.equal(existsSync(join(here, '.lsync')), false);
    if (kind === 'file') assert.equal(existsSync(join(w.tmp, 'not-yet')), false);
    else await assert.rejects(rawS3(w).client.send(new HeadBucketCommand({ Bucket: url.slice(5, url.indexOf('/', 5)) })));
  });

  test('init refuses prefixes with empty, "." or ".." segments, naming the URL', async () => {
    const w = await world();
    const c = new Collaborator('odd', w.tmp, w.env);
    for (const url of ['s3://bkt/pre//x', 's3://bkt/../x', 's3://bkt/a/./b']) {
      const r = await c.lsync('init', url);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(url), r.stderr);
      assert.equal(existsSync(join(w.tmp, '.lsync')), false);
    }
  });
});
