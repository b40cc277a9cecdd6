/**
 * Ctrl-C (SIGINT): the first stops new work, lets small transfers finish, stops large ones keeping
 * their resumable state, records what finished and exits 130; a second one exits 130 at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useWorld } from '../support/world.js';
import { assertConverged, doneAtLeast, assertOnly, hashTree, MiB, partialOf, partials, randomContent, resync, runAndSignalWhen, settleTornUploads, statusActions, Versions } from './harness.js';

describe('Ctrl-C [s3rver]', () => {
  const world = useWorld('s3rver');

  test('once during a push of 200 small files: exit 130, what finished is recorded', async () => {
    const w = await world();
    const alice = await w.collaborator('alice');
    const bob = await w.collaborator('bob');
    const versions = new Versions();
    for (let i = 0; i < 200; i++) await versions.write(alice, `f${i}.txt`, randomContent(1024 + ((i * 7919) % 40960)));
    const r = await runAndSignalWhen(alice, w.env, ['push', '--json', '--bwlimit', '1M'], doneAtLeast(10), [[0, 'SIGINT']]);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted/);
    // Small uploads in flight finish: at 1 MB/s, 16 of them take well under the grace period.
    assert.ok(r.exitMs < 5000, `exit took ${r.exitMs} ms after Ctrl-C`);
    const doneEvents = r.stdout.split('\n').filter((l) => l.includes('"type":"done"')).length;
    const left = await statusActions(alice);
    assertOnly(left, ['upload'], 'alice');
    assert.equal(left.length, 200 - doneEvents, 'every upload reported done is recorded, and only those');
    await resync(alice);
    await assertConverged(alice, bob, versions);
  });

  test('once during a large pull: stops at once, keeps the partial, the re-run fetches the rest', async () => {
    const w = await world();
    const alice = await w.collaborator('alice');
    const bob = await w.collaborator('bob');
    const versions = new Versions();
    const size = 32 * MiB;
    await versions.write(alice, 'big.bin', randomContent(size));
    assert.equal((await alice.lsync('push')).code, 0);
    const r = await runAndSignalWhen(bob, w.env, ['pull', '--json', '--bwlimit', '8M'], partialOf(bob, 8 * MiB), [[0, 'SIGINT']]);
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.exitMs < 2000, `exit took ${r.exitMs} ms after Ctrl-C`);
    assert.deepEqual([...(await hashTree(bob.dir))], []);
    const [kept] = await partials(bob);
    assert.ok(kept !== undefined && kept > 0 && kept < size, `partial kept (${String(kept)} B)`);
    const rerun = await resync(bob);
    assert.equal(rerun.bytesReceived, size - kept);
    await assertConverged(bob, alice, versions);
  });

  test('twice: exit 130 at once, and the next run completes', async () => {
    const w = await world();
    const alice = await w.collaborator('alice');
    const bob = await w.collaborator('bob');
    const versions = new Versions();
    for (let i = 0; i < 200; i++) await versions.write(alice, `f${i}.txt`, randomContent(1024 + ((i * 7919) % 40960)));
    const r = await runAndSignalWhen(alice, w.env, ['push', '--json', '--bwlimit', '1M'], doneAtLeast(10), [[0, 'SIGINT'], [100, 'SIGINT']]);
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.exitMs < 1000, `exit took ${r.exitMs} ms after the second Ctrl-C`);
    versions.assertWhole(await hashTree(alice.dir), 'alice');
    await settleTornUploads(w, alice);
    assertOnly(await statusActions(alice), ['upload', 'record'], 'alice');
    await resync(alice);
    await assertConverged(alice, bob, versions);
  });
});
