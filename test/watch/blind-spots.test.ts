/**
 * What the change feed cannot tell a watcher, on every remote kind: a foreign tool's write (no feed
 * record) arrives by the periodic rescan; a damaged feed head, or one saying this watcher fell
 * behind the trim, makes it list in full at once (not at the next rescan). And the lock is free
 * between batches: manual status and sync run while a watcher runs.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { Collaborator, World } from '../support/world.js';
import { forEachRemote } from '../support/world.js';
import { foreignPut, remoteBytes } from '../support/foreign.js';
import { startWatcher, until, type RunningWatcher } from './support.js';

const WAIT = 60_000;

/** A watcher on a repository whose first sync is done (its seed file is on the remote). */
async function watching(w: World, ...args: string[]): Promise<{ alice: Collaborator; a: RunningWatcher }> {
  const alice = await w.collaborator('alice');
  await alice.write('seed.txt', 'seed');
  const a = startWatcher(alice, w.env, '--delay', '0.3', '--poll', '0.3', ...args);
  // Its record too: the feed head a test overwrites must not be rewritten by the first batch after.
  await until('the first sync and its feed record', async () => (await remoteBytes(w, 'seed.txt')) !== undefined && (await remoteBytes(w, '.lsync/feed/head')) !== undefined, WAIT, a.log);
  return { alice, a };
}

async function stopped(a: RunningWatcher): Promise<void> {
  assert.equal(await a.stop(), 0, a.log());
}

forEachRemote('what the feed cannot see', (world) => {
  test("a foreign tool's write (no feed record) arrives by the rescan", async () => {
    const w = await world();
    const { alice, a } = await watching(w, '--rescan', '5');
    try {
      await foreignPut(w, { 'foreign/by-another-tool.txt': 'not written by lsync' });
      await until('the foreign file', async () => (await alice.read('foreign/by-another-tool.txt')) === 'not written by lsync', WAIT, a.log);
    } finally {
      await stopped(a);
    }
    assert.match(a.log(), /1 down in [\d.]+ s \(rescan, full\)/, 'brought by a rescan, the feed had no record of it');
  });

  test('a damaged feed head makes the watcher list in full at once', async () => {
    const w = await world();
    // The default rescan (10 min) cannot be what brings the file.
    const { alice, a } = await watching(w);
    try {
      await foreignPut(w, { 'foreign.txt': 'arrives by the listing', '.lsync/feed/head': 'not a feed head' });
      await until('the foreign file', async () => (await alice.read('foreign.txt')) === 'arrives by the listing', WAIT, a.log);
    } finally {
      await stopped(a);
    }
    assert.match(a.log(), /the feed is damaged .*: listing in full/);
  });

  test('a feed trimmed past this watcher makes it list in full at once', async () => {
    const w = await world();
    const { alice, a } = await watching(w);
    try {
      // As if 1,000 records were written and the old ones trimmed while this watcher looked away.
      await foreignPut(w, { 'foreign.txt': 'arrives by the listing', '.lsync/feed/head': JSON.stringify({ v: 1, seq: 2000, floor: 1001 }) });
      await until('the foreign file', async () => (await alice.read('foreign.txt')) === 'arrives by the listing', WAIT, a.log);
    } finally {
      await stopped(a);
    }
    assert.match(a.log(), /fell behind the feed .*: listing in full/);
  });

  test('between batches the lock is free: manual status and sync run beside the watcher', async () => {
    const w = await world();
    const { alice, a } = await watching(w);
    try {
      // Idle (no event, rescan minutes away): no batch runs, so neither may meet the lock.
      // (The first batch may still be saving its state when the seed is on the remote: ask until clean.)
      await until('a clean status beside the watcher', async () => (await alice.assertClean(), true), WAIT, a.log);
      const sy = await alice.lsync('sync');
      assert.equal(sy.code, 0, sy.stderr);
      // The watcher keeps working after the manual run.
      await alice.write('after.txt', 'by the watcher');
      await until('the watcher uploads again', async () => (await remoteBytes(w, 'after.txt')) !== undefined, WAIT, a.log);
    } finally {
      await stopped(a);
    }
  });
});
