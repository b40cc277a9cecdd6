/**
 * Symbolic links (issue 4): skipped with one warning each by default, never taken for deletions;
 * with --links stored as small objects holding the target (marked by metadata, key = path) and
 * recreated as links on pull. Nothing is ever followed, or written through a link.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Collaborator, forEachRemote, type World } from '../support/world.js';
import { foreignPut, rawS3, remoteBytes } from '../support/foreign.js';

async function linkAt(c: Collaborator, path: string): Promise<string | undefined> {
  try {
    const st = await lstat(c.abs(path));
    if (!st.isSymbolicLink()) return undefined;
    return await readlink(c.abs(path));
  } catch {
    return undefined;
  }
}

/** Is the object at `path` marked as a link (S3 metadata, or the file:// sidecar)? */
async function markedAsLink(w: World, path: string): Promise<boolean> {
  if (w.server === undefined) {
    const metaDir = join(fileURLToPath(w.url), '.lsync', 'meta');
    for (const name of await readdir(metaDir)) {
      const text = await readFile(join(metaDir, name), 'utf8');
      const o = JSON.parse(text) as Record<string, unknown>;
      if (o['path'] === path) return o['link'] === true;
    }
    return false;
  }
  const { client, bucket, prefix } = rawS3(w);
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix + path }));
    return head.Metadata?.['lsync-link'] === '1';
  } finally {
    client.destroy();
  }
}

forEachRemote('symbolic links', (world) => {
  test('default: each link is skipped with one warning line, and never counts as deleted', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('real.txt', 'real content');
    await a.write('doc.txt', 'a document');
    await a.write('sub/inner.txt', 'inner');
    await symlink('real.txt', a.abs('to-real'));
    await symlink('sub', a.abs('to-sub'));
    let r = await a.lsync('sync');
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    assert.deepEqual(warnings, [
      'warning: to-real: skipped (a symbolic link, not followed; --links syncs links)',
      'warning: to-sub: skipped (a symbolic link, not followed; --links syncs links)',
    ]);
    assert.equal(await remoteBytes(w, 'to-real'), undefined);
    assert.equal(await remoteBytes(w, 'to-sub/inner.txt'), undefined, 'a link to a folder is not followed');
    assert.equal((await b.lsync('sync')).code, 0);
    assert.deepEqual(await b.tree(), { 'doc.txt': 'a document', 'real.txt': 'real content', 'sub/inner.txt': 'inner' });

    // A replaces a synced file with a link: unknown, not deleted. The remote object and B's copy stay.
    await rm(a.abs('doc.txt'));
    await symlink('real.txt', a.abs('doc.txt'));
    r = await a.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes('doc.txt: skipped (a symbolic link'), r.stdout);
    const summary = Collaborator.json(r).find((e) => e['type'] === 'summary');
    assert.deepEqual(summary?.['planned'], {});
    assert.equal((await remoteBytes(w, 'doc.txt'))?.toString(), 'a document');
    assert.equal((await b.lsync('sync')).code, 0);
    assert.equal(await b.read('doc.txt'), 'a document');
  });

  test('--links: a relative link, a link to a folder and an absolute link round-trip; a retarget follows', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('real.txt', 'real content');
    await a.write('sub/inner.txt', 'inner');
    await symlink('real.txt', a.abs('to-real'));
    await symlink('sub', a.abs('to-sub'));
    await symlink('/etc/hostname', a.abs('sub/abs-link'));
    await symlink('../../outside/x', a.abs('sub/escaping'));
    let r = await a.lsync('sync', '--links');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/);
    // key = path, body = target, marked by metadata.
    assert.equal((await remoteBytes(w, 'to-real'))?.toString(), 'real.txt');
    assert.equal((await remoteBytes(w, 'to-sub'))?.toString(), 'sub');
    assert.equal((await remoteBytes(w, 'sub/abs-link'))?.toString(), '/etc/hostname');
    assert.equal(await remoteBytes(w, 'to-sub/inner.txt'), undefined, 'never followed');
    assert.equal(await markedAsLink(w, 'to-real'), true);
    assert.equal(await markedAsLink(w, 'real.txt'), false);
    await a.assertClean('--links');

    r = await b.lsync('sync', '--links');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await linkAt(b, 'to-real'), 'real.txt', r.stdout + r.stderr);
    assert.equal(await linkAt(b, 'to-sub'), 'sub');
    assert.equal(await linkAt(b, 'sub/abs-link'), '/etc/hostname');
    assert.equal(await linkAt(b, 'sub/escaping'), '../../outside/x');
    assert.equal(existsSync(join(b.dir, '..', 'outside')), false, 'recreating a link writes nothing where it points');
    assert.deepEqual(await b.tree(), await a.tree());
    await b.assertClean('--links');

    // A retargets a link: B's link is retargeted (not replaced by a file).
    await rm(a.abs('to-real'));
    await a.write('other.txt', 'the other file');
    await symlink('other.txt', a.abs('to-real'));
    r = await a.lsync('sync', '--links', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await remoteBytes(w, 'to-real'))?.toString(), 'other.txt');
    r = await b.lsync('sync', '--links');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await linkAt(b, 'to-real'), 'other.txt');
    assert.equal(await b.read('other.txt'), 'the other file');
    await a.assertClean('--links');
    await b.assertClean('--links');

    // A file replaced by a link whose target is the file's very content is still a local change
    // (kinds are compared, not only hashes). (On S3 the new object then has the old one's ETag, the
    // MD5 of the same bytes, so a collaborator does not see that change: see the README.)
    await b.write('same.txt', 'real.txt');
    assert.equal((await b.lsync('sync', '--links')).code, 0);
    assert.equal((await a.lsync('sync', '--links')).code, 0);
    await rm(a.abs('same.txt'));
    await symlink('real.txt', a.abs('same.txt'));
    r = await a.lsync('sync', '--links', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Collaborator.json(r).find((e) => e['type'] === 'summary')?.['planned'], { upload: 1 });
    assert.equal(await markedAsLink(w, 'same.txt'), true);
    await a.assertClean('--links');
  });

  test('a link object on the remote, pulled without --links, is not turned into a file', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('real.txt', 'real content');
    await symlink('real.txt', a.abs('to-real'));
    assert.equal((await a.lsync('push', '--links')).code, 0);
    let r = await b.lsync('pull');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: to-real: a symbolic link on the remote, left alone \(sync with --links to recreate it\)/);
    assert.equal(existsSync(b.abs('to-real')), false, 'no file holding the target path');
    assert.deepEqual(await b.tree(), { 'real.txt': 'real content' });
    // The config key does what --links does.
    const configFile = join(b.dir, '.lsync', 'config.yaml');
    await writeFile(configFile, `${await readFile(configFile, 'utf8')}links: true\n`);
    r = await b.lsync('pull');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await linkAt(b, 'to-real'), 'real.txt');
    await b.assertClean();
  });

  test('--links never writes through a local link, wherever it points', async () => {
    const w = await world();
    const b = await w.collaborator('b');
    const outside = join(w.tmp, 'outside-dir');
    await mkdir(outside);
    await symlink(outside, b.abs('out'));
    await foreignPut(w, { 'out/evil.txt': 'must not land outside', 'ok.txt': 'fine' });
    const r = await b.lsync('sync', '--links');
    assert.notEqual(r.code, 0, 'the clash is reported');
    assert.deepEqual(await readdir(outside), [], 'nothing written through the link');
    assert.equal(await b.read('ok.txt'), 'fine');
    assert.equal(await linkAt(b, 'out'), outside);
  });
});
