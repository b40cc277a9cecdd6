/**
 * kill -9 during a push: of many small files, and of one large file under a bandwidth limit (so
 * that the kill lands mid-transfer at predictable points). See harness.ts for the invariants.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { useWorld, type RemoteKind } from '../support/world.js';
import { assertConverged, assertOnly, hashTree, MiB, randomContent, resync, runAndSignal, runAndSignalWhen, settleTornUploads, statusActions, Versions } from './harness.js';

const KINDS: ReadonlyArray<readonly [RemoteKind, readonly number[]]> = [
  ['s3rver', [300, 1000, 2000]],
  ['file', [1000]],
];

for (const [kind, killPoints] of KINDS) {
  describe(`kill -9 during push [${kind}]`, () => {
    const world = useWorld(kind);

    for (const ms of killPoints) {
      test(`200 small files, SIGKILL after ${ms} ms`, async () => {
        const w = await world();
        const alice = await w.collaborator('alice');
        const bob = await w.collaborator('bob');
        const versions = new Versions();
        // Lengths differ (1..40 KiB): ~4 MB in all, ~4 s at 1 MB/s.
        for (let i = 0; i < 200; i++) await versions.write(alice, `d${i % 7}/f${i}.bin`, randomContent(1024 + ((i * 7919) % 40960)));
        const killed = await runAndSignal(alice, w.env, ['push', '--json', '--bwlimit', '1M'], [[ms, 'SIGKILL']]);
        assert.equal(killed.signal, 'SIGKILL', `the push ended before the kill (exit ${killed.code}): make it slower`);

        versions.assertWhole(await hashTree(alice.dir), 'alice after the kill');
        await settleTornUploads(w, alice);
        const left = await statusActions(alice);
        assertOnly(left, ['upload', 'record'], 'alice');
        const leftBytes = left.reduce((n, a) => n + (a.type === 'upload' ? a.bytes : 0), 0);
        const rerun = await resync(alice);
        assert.ok(rerun.bytesSent <= leftBytes, `re-run sent ${rerun.bytesSent} B, but only ${leftBytes} B were left to send`);
        await assertConverged(alice, bob, versions);
      });
    }

    if (kind === 'file') return; // file:// writes in one piece: the small-file runs cover it
    test('a 48 MiB file at 8 MB/s, SIGKILL after 3 s', async () => {
      const w = await world();
      const alice = await w.collaborator('alice');
      const bob = await w.collaborator('bob');
      const versions = new Versions();
      await versions.write(alice, 'big.bin', randomContent(48 * MiB));
      await versions.write(alice, 'small.txt', 'a small file next to it');
      const killed = await runAndSignal(alice, w.env, ['push', '--json', '--bwlimit', '8M'], [[3000, 'SIGKILL']]);
      assert.equal(killed.signal, 'SIGKILL', `the push ended before the kill (exit ${killed.code})`);
      await settleTornUploads(w, alice);
      const left = await statusActions(alice);
      assertOnly(left, ['upload', 'record'], 'alice');
      await resync(alice);
      await assertConverged(alice, bob, versions);
    });

    test('a 48 MiB file killed mid-way re-sends at most what was left plus the part in flight', async () => {
      const w = await world();
      const alice = await w.collaborator('alice');
      const bob = await w.collaborator('bob');
      const versions = new Versions();
      const size = 48 * MiB;
      await versions.write(alice, 'big.bin', randomContent(size));
      // One part at a time at 8 MiB/s (16 MiB parts, ~2 s each): the kill lands as soon as the
      // checkpoint records part 1, so part 2 is in flight, however loaded the machine is (a kill
      // at a fixed time could land before part 1 was stored).
      const uploads = join(alice.dir, '.lsync', 'remotes', 'origin', 'uploads');
      const partStored = async (): Promise<boolean> => {
        // The checkpoint itself, not writeFileAtomic's temporary file (`.<name>.tmp-…`): a kill
        // before its rename leaves the checkpoint without the part, and the re-run sends it again.
        const files = (await readdir(uploads).catch(() => [])).filter((f) => /^[0-9a-f]{40}\.json$/.test(f));
        for (const f of files) {
          const text = await readFile(join(uploads, f), 'utf8').catch(() => '');
          if (/"parts":\s*\[\s*\{/.test(text)) return true;
        }
        return false;
      };
      const killed = await runAndSignalWhen(alice, w.env, ['push', '--json', '--bwlimit', '8M', '--concurrency', '1'], partStored, [[0, 'SIGKILL']]);
      assert.equal(killed.signal, 'SIGKILL', `the push ended before the kill (exit ${killed.code})`);
      const rerun = await resync(alice);
      // At least the first 16 MiB part survived the kill: the re-run sends at most the rest.
      assert.ok(rerun.bytesSent > 0, 'the re-run finished the upload');
      assert.ok(rerun.bytesSent <= size - 16 * MiB, `re-run sent ${rerun.bytesSent} B of ${size}: the stored parts were sent again`);
      await assertConverged(alice, bob, versions);
    });
  });
}
