/**
 * kill -9 during a push: of many small files, and of one large file under a bandwidth limit (so
 * that the kill lands mid-transfer at predictable points). See harness.ts for the invariants.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useWorld, type RemoteKind } from '../support/world.js';
import { assertConverged, assertOnly, hashTree, MiB, randomContent, resync, runAndSignal, settleTornUploads, statusActions, Versions } from './harness.js';

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

    test('a 48 MiB file killed mid-way re-sends at most what was left plus the parts in flight', { skip: 'TODO(resumable uploads): needs src/exec/checkpoints.ts (UploadCheckpoints) wired into the executor put; until then a killed large upload starts over' }, () => {
      // A named gap in every test report, and a failure if un-skipped before it is written: kill at
      // ~50% (runAndSignalWhen on the upload's progress), then assert summaryOf(resync).bytesSent
      // <= size - bytes in finished parts + concurrency x part size.
      assert.fail('not written yet: waits for resumable uploads');
    });
  });
}
