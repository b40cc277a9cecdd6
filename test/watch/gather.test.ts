/** The batching rules, with the clock passed in (no timers), and what counts as a batch's own echo. */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isEcho } from '../../src/watch/batch.js';
import { Backoff, Gatherer } from '../../src/watch/gather.js';

test('a batch is due after the delay of quiet, and each new event pushes it back', () => {
  const g = new Gatherer({ delayMs: 1000, maxWaitMs: 10_000 });
  assert.equal(g.dueAt(), undefined);
  g.add(['a'], 0);
  assert.equal(g.dueAt(), 1000);
  g.add(['b'], 800);
  assert.equal(g.dueAt(), 1800);
  assert.deepEqual([...g.take(1800)].sort(), ['a', 'b']);
  assert.equal(g.dueAt(), undefined);
  assert.equal(g.size, 0);
});

test('a tree that never goes quiet is synced after the maximum wait, keeping the paths still being written', () => {
  const g = new Gatherer({ delayMs: 1000, maxWaitMs: 5000 });
  for (let t = 0; t <= 5000; t += 500) g.add(t === 1000 ? ['busy.log', 'done.txt'] : ['busy.log'], t);
  assert.equal(g.dueAt(), 5000);
  assert.equal(g.forced(5000), true);
  assert.deepEqual([...g.take(5000)], ['done.txt'], 'the file written 0 s ago waits');
  assert.equal(g.has('busy.log'), true);
  assert.equal(g.dueAt(), 6000);
});

test('when everything is still being written at the maximum wait, the batch takes it all', () => {
  const g = new Gatherer({ delayMs: 1000, maxWaitMs: 3000 });
  for (let t = 0; t <= 3000; t += 200) g.add(['a', 'b'], t);
  assert.deepEqual([...g.take(3000)].sort(), ['a', 'b']);
  assert.equal(g.size, 0);
});

test('an editor save (temp file written, renamed over the original) is one batch holding both names', () => {
  const g = new Gatherer({ delayMs: 1000, maxWaitMs: 10_000 });
  g.add(['.notes.txt.swp'], 0);
  g.add(['notes.txt~', 'notes.txt'], 10);
  g.add(['.notes.txt.swp', 'notes.txt~'], 20);
  assert.equal(g.forced(1020), false);
  assert.deepEqual([...g.take(1020)].sort(), ['.notes.txt.swp', 'notes.txt', 'notes.txt~']);
});

test('dropping echoes of lsync\'s own writes empties the batch', () => {
  const g = new Gatherer({ delayMs: 1000, maxWaitMs: 10_000 });
  g.add(['pulled.txt'], 0);
  g.drop('pulled.txt');
  assert.equal(g.dueAt(), undefined);
});

test('backoff doubles up to its cap and resets on success', () => {
  const b = new Backoff(1000, 8000);
  assert.deepEqual([b.fail(), b.fail(), b.fail(), b.fail(), b.fail()], [1000, 2000, 4000, 8000, 8000]);
  assert.equal(b.failing, true);
  b.succeed();
  assert.equal(b.failing, false);
  assert.equal(b.fail(), 1000);
});

test("echoes of a batch's own writes are dropped; a user's change right after is not", async () => {
  const root = await mkdtemp(join(tmpdir(), 'lsync-echo-'));
  try {
    const since = Date.now();
    await writeFile(join(root, 'downloaded'), 'x');
    await utimes(join(root, 'downloaded'), new Date(since - 60_000), new Date(since - 60_000)); // a download keeps the remote's mtime
    await writeFile(join(root, 'edited'), 'y');
    await utimes(join(root, 'edited'), new Date(since + 1000), new Date(since + 1000));
    assert.equal(isEcho(root, 'downloaded', since, 'wrote'), true);
    assert.equal(isEcho(root, 'edited', since, 'wrote'), false, 'edited after the batch started');
    assert.equal(isEcho(root, 'renamed-away', since, 'wrote'), false, 'written, then renamed or deleted by the user: not an echo');
    assert.equal(isEcho(root, 'renamed-away', since, 'removed'), true, 'removed by the batch and still gone');
    assert.equal(isEcho(root, 'downloaded', since, 'removed'), false, 'removed by the batch, made again since');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
