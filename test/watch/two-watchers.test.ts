/**
 * Two watchers on two repositories of one remote, on every remote kind: creates, edits, renames and
 * deletes travel both ways, the lock is free between batches, and SIGTERM stops each with exit 0.
 */
import { strict as assert } from 'node:assert';
import { rename } from 'node:fs/promises';
import { test } from 'node:test';
import { forEachRemote } from '../support/world.js';
import { startWatcher, until } from './support.js';

const WAIT = 60_000;

forEachRemote('two watchers', (world) => {
  test('creates, edits, renames and deletes reach the other watcher, both ways', async () => {
    const w = await world();
    const alice = await w.collaborator('alice');
    const bob = await w.collaborator('bob');
    await alice.write('before.txt', 'there before the watch');
    const fast = ['--delay', '0.3', '--poll', '0.3'];
    const a = startWatcher(alice, w.env, ...fast);
    const b = startWatcher(bob, w.env, ...fast);
    const logs = (): string => `--- alice\n${a.log()}--- bob\n${b.log()}`;
    try {
      await until('the first syncs', async () => (await bob.read('before.txt')) === 'there before the watch', WAIT, logs);

      await alice.write('docs/new.txt', 'from alice');
      await until('a create from alice', async () => (await bob.read('docs/new.txt')) === 'from alice', WAIT, logs);

      await bob.write('docs/new.txt', 'edited by bob, longer');
      await until('an edit from bob', async () => (await alice.read('docs/new.txt')) === 'edited by bob, longer', WAIT, logs);

      await rename(alice.abs('docs/new.txt'), alice.abs('docs/renamed.txt'));
      await until('a rename from alice', async () => (await bob.read('docs/renamed.txt')) !== undefined && (await bob.read('docs/new.txt')) === undefined, WAIT, logs);

      await bob.rm('before.txt');
      await until('a delete from bob', async () => (await alice.read('before.txt')) === undefined, WAIT, logs);

      // Between batches the lock is free: a manual command runs beside the watchers.
      await until('both trees equal', async () => JSON.stringify(await alice.tree()) === JSON.stringify(await bob.tree()), WAIT, logs);
      const st = await alice.lsync('status', '--json');
      assert.equal(st.code, 0, st.stderr);
    } finally {
      const [ca, cb] = [await a.stop(), await b.stop()];
      assert.equal(ca, 0, logs());
      assert.equal(cb, 0, logs());
    }
    assert.deepEqual(await alice.tree(), { 'docs/renamed.txt': 'edited by bob, longer' });
    assert.deepEqual(await bob.tree(), await alice.tree());
    // The rename went as a move (server-side copy), not as a new upload.
    assert.match(a.log(), /moved/, a.log());
    await alice.assertClean();
    await bob.assertClean();
  });
});
