/**
 * Retention of the versions lsync keeps (config versions_keep, versions_max_age), through the CLI
 * on a directory and on s3rver (no service versions): a push keeps at most versions_keep copies of
 * a file, the newest copy of a deleted file always stays, and with versions_keep 0 nothing is kept
 * and `lsync status` says in one line that the repository has no history.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Collaborator, useWorld, type RemoteKind } from '../support/world.js';

async function ok(c: Collaborator, ...args: string[]): Promise<string> {
  const r = await c.lsync(...args);
  assert.equal(r.code, 0, `${c.name}: lsync ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function contents(c: Collaborator, path: string): Promise<string[]> {
  const versions = Collaborator.json({ stdout: await ok(c, 'log', '--json', path) }).filter((v) => v['deleted'] !== true);
  const out: string[] = [];
  for (const v of versions) {
    await ok(c, 'restore', path, '--version', String(v['id']), '--to', 'out.txt', '--force');
    out.push((await c.read('out.txt')) ?? '');
  }
  await c.rm('out.txt');
  return out;
}

/** Set a top-level key of the repository's config.yaml (replacing its line if it has one). */
async function setKey(c: Collaborator, key: string, value: string): Promise<void> {
  const file = join(c.dir, '.lsync', 'config.yaml');
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith(`${key}:`));
  await writeFile(file, `${[...lines, `${key}: ${value}`].join('\n')}\n`);
}

for (const kind of ['file', 's3rver'] as RemoteKind[]) {
  describe(`history retention [${kind}]`, () => {
    const world = useWorld(kind);

    test('versions_keep bounds the copies per file; a deleted file keeps its last; 0 keeps none and status says so', async () => {
      const w = await world();
      const c = await w.collaborator('alice');
      await setKey(c, 'versions_keep', '2');
      for (const text of ['v0', 'v1', 'v2', 'v3']) {
        await c.write('a.txt', text);
        await c.write('b.txt', `b ${text}`);
        await ok(c, 'push');
      }
      assert.deepEqual(await contents(c, 'a.txt'), ['v3', 'v2', 'v1'], 'the file and its two newest copies');
      assert.doesNotMatch((await c.lsync('status')).stderr, /no history/);

      await c.rm('b.txt');
      await ok(c, 'push');
      assert.deepEqual(await contents(c, 'b.txt'), ['b v3', 'b v2']);

      // No copies at all: the deleted file's last content still stays (its only copy).
      await setKey(c, 'versions_keep', '0');
      await setKey(c, 'versions_max_age', 'never');
      const status = await c.lsync('status');
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stderr, /^warning: no history: .* keeps no versions and versions_keep is 0/m);
      assert.equal(status.stderr.split('\n').filter((l) => l.includes('no history')).length, 1, 'one line');
      await c.write('a.txt', 'v4');
      await ok(c, 'push');
      assert.deepEqual(await contents(c, 'a.txt'), ['v4']);
      assert.deepEqual(await contents(c, 'b.txt'), ['b v3'], 'the newest copy of a deleted file stays');
    });
  });
}
