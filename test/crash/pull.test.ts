/**
 * kill -9 during a pull: many small files replacing older versions, and one large file that must
 * resume from its partial in `.lsync/tmp/` rather than start over.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useWorld, type RemoteKind } from '../support/world.js';
import { assertConverged, assertOnly, hashTree, MiB, partialOf, partials, randomContent, resync, runAndSignal, runAndSignalWhen, statusActions, Versions } from './harness.js';

const KINDS: ReadonlyArray<readonly [RemoteKind, readonly number[]]> = [
  ['s3rver', [500, 1500]],
  ['file', []],
];

for (const [kind, killPoints] of KINDS) {
  describe(`kill -9 during pull [${kind}]`, () => {
    const world = useWorld(kind);

    for (const ms of killPoints) {
      test(`200 changed small files, SIGKILL after ${ms} ms`, async () => {
        const w = await world();
        const alice = await w.collaborator('alice');
        const bob = await w.collaborator('bob');
        const versions = new Versions();
        for (let i = 0; i < 200; i++) await versions.write(alice, `d${i % 7}/f${i}.bin`, randomContent(512 + i));
        assert.equal((await alice.lsync('push')).code, 0);
        assert.equal((await bob.lsync('pull')).code, 0);
        // New versions of every file, of other lengths: the pull replaces (and keeps in trash) each one.
        for (let i = 0; i < 200; i++) await versions.write(alice, `d${i % 7}/f${i}.bin`, randomContent(1024 + ((i * 7919) % 40960)));
        assert.equal((await alice.lsync('push')).code, 0);

        const killed = await runAndSignal(bob, w.env, ['pull', '--json', '--bwlimit', '1M'], [[ms, 'SIGKILL']]);
        assert.equal(killed.signal, 'SIGKILL', `the pull ended before the kill (exit ${killed.code})`);
        versions.assertWhole(await hashTree(bob.dir), 'bob after the kill');
        const left = await statusActions(bob);
        assertOnly(left, ['download', 'record'], 'bob');
        const leftBytes = left.reduce((n, a) => n + (a.type === 'download' ? a.bytes : 0), 0);
        const rerun = await resync(bob);
        assert.ok(rerun.bytesReceived <= leftBytes, `re-run received ${rerun.bytesReceived} B, but only ${leftBytes} B were left`);
        await assertConverged(bob, alice, versions);
      });
    }

    test('a 48 MiB file at 8 MB/s, SIGKILL past 16 MiB: the re-run fetches only the rest', async () => {
      const w = await world();
      const alice = await w.collaborator('alice');
      const bob = await w.collaborator('bob');
      const versions = new Versions();
      const size = 48 * MiB;
      await versions.write(alice, 'big.bin', randomContent(size));
      assert.equal((await alice.lsync('push')).code, 0);

      const killed = await runAndSignalWhen(bob, w.env, ['pull', '--json', '--bwlimit', '8M'], partialOf(bob, 16 * MiB), [[0, 'SIGKILL']]);
      assert.equal(killed.signal, 'SIGKILL', `the pull ended before the kill (exit ${killed.code})`);
      assert.deepEqual([...(await hashTree(bob.dir))], [], 'nothing but .lsync/tmp holds partial data');
      const [kept] = await partials(bob);
      assert.ok(kept !== undefined && kept > 0 && kept < size, `a partial download is kept (${String(kept)} B)`);
      assertOnly(await statusActions(bob), ['download'], 'bob');

      const rerun = await resync(bob);
      assert.equal(rerun.bytesReceived, size - kept, 'the re-run fetches exactly the missing tail');
      assert.deepEqual(await partials(bob), [], 'the partial became the file');
      await assertConverged(bob, alice, versions);
    });

    if (kind === 'file') return; // the rest is the same logic through another Remote
    test('a partial of an object that changed since is dropped, and the new version fetched whole', async () => {
      const w = await world();
      const alice = await w.collaborator('alice');
      const bob = await w.collaborator('bob');
      const versions = new Versions();
      await versions.write(alice, 'big.bin', randomContent(24 * MiB));
      assert.equal((await alice.lsync('push')).code, 0);
      const killed = await runAndSignalWhen(bob, w.env, ['pull', '--json', '--bwlimit', '8M'], partialOf(bob, 4 * MiB), [[0, 'SIGKILL']]);
      assert.equal(killed.signal, 'SIGKILL');
      assert.equal((await partials(bob)).length, 1);

      await versions.write(alice, 'big.bin', randomContent(20 * MiB));
      assert.equal((await alice.lsync('push')).code, 0);
      const rerun = await resync(bob);
      assert.equal(rerun.bytesReceived, 20 * MiB);
      assert.deepEqual(await partials(bob), [], 'the dead partial is gone');
      await assertConverged(bob, alice, versions);
    });
  });
}
