/**
 * A watcher pushes every mirror after its batches: what changes locally (or arrives from origin)
 * reaches a file:// mirror too, with one log line per mirror run; origin is every remote kind.
 */
import { strict as assert } from 'node:assert';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { forEachRemote } from '../support/world.js';
import { startWatcher, until } from './support.js';

const WAIT = 60_000;

forEachRemote('watch pushes the mirrors', (world) => {
  test('local changes and changes from origin reach the mirror, each run logged per remote', async () => {
    const w = await world();
    const alice = await w.collaborator('alice');
    const bob = await w.collaborator('bob');
    const mirror = join(w.tmp, 'mirror');
    await mkdir(mirror);
    const added = await alice.lsync('remote', 'add', 'backup', `file://${mirror}`);
    assert.equal(added.code, 0, added.stderr);
    await alice.write('before.txt', 'there before the watch');
    const a = startWatcher(alice, w.env, '--delay', '0.3', '--poll', '0.3');
    const inMirror = (p: string): Promise<string | undefined> => readFile(join(mirror, p), 'utf8').catch(() => undefined);
    try {
      await until('the first batch reaches the mirror', async () => (await inMirror('before.txt')) === 'there before the watch', WAIT, a.log);
      await alice.write('docs/local.txt', 'written here');
      await until('a local change reaches the mirror', async () => (await inMirror('docs/local.txt')) === 'written here', WAIT, a.log);
      // A change from a collaborator arrives through origin, then goes on to the mirror.
      await bob.write('from-bob.txt', 'pushed by bob');
      assert.equal((await bob.lsync('sync')).code, 0);
      await until('a change from origin reaches the mirror', async () => (await inMirror('from-bob.txt')) === 'pushed by bob', WAIT, a.log);
      await alice.rm('before.txt');
      await until('a delete reaches the mirror', async () => (await inMirror('before.txt')) === undefined, WAIT, a.log);
      // The run's report comes after its last change: wait for the line, not just the file.
      await until('the mirror runs logged', () => /mirror backup: 1 up/.test(a.log()) && /mirror backup: 1 deleted/.test(a.log()), WAIT, a.log);
    } finally {
      assert.equal(await a.stop(), 0, a.log());
    }
  });
});
