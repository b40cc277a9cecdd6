import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runQueue } from '../../src/scan/queue.js';

test('runQueue visits pushed items and never exceeds its concurrency', async () => {
  let active = 0;
  let peak = 0;
  const seen: number[] = [];
  await runQueue([1], 3, async (n, push) => {
    active++;
    peak = Math.max(peak, active);
    seen.push(n);
    await new Promise((r) => setTimeout(r, 1));
    if (n < 40) {
      push(n * 2);
      push(n * 2 + 1);
    }
    active--;
  });
  assert.equal(seen.length, 79);
  assert.equal(peak, 3);
});

test('runQueue rejects with the first error and starts nothing after it', async () => {
  let started = 0;
  await assert.rejects(
    runQueue([1, 2, 3, 4, 5], 1, async (n) => {
      started++;
      if (n === 4) throw new Error('boom'); // popped second
    }),
    /boom/,
  );
  assert.equal(started, 2);
});

test('runQueue with nothing to do resolves', async () => {
  await runQueue<number>([], 4, async () => {
    throw new Error('not called');
  });
});
