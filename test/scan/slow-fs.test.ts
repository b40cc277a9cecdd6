import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SLOW_READDIR_MS, SlowFsProbe } from '../../src/scan/slow-fs.js';

test('one slow directory listing (a GC pause inside it) leaves the walk synchronous; two in a row do not', () => {
  const probe = new SlowFsProbe();
  probe.listed(0.3);
  probe.listed(SLOW_READDIR_MS + 30); // one stall
  probe.listed(0.2);
  probe.listed(SLOW_READDIR_MS + 30); // another, not in a row
  assert.equal(probe.isSlow, false);
  probe.listed(SLOW_READDIR_MS + 1);
  assert.equal(probe.isSlow, true, 'two slow listings in a row: cold or network storage');
  probe.listed(0.1);
  assert.equal(probe.isSlow, true, 'once slow, the walk stays asynchronous');
});

test('a directory whose lstats are mostly slow makes the walk asynchronous; one slow lstat among many does not', () => {
  const probe = new SlowFsProbe();
  probe.statted(100, 1);
  probe.statted(100, 50);
  probe.statted(5, 5); // too few calls to judge
  assert.equal(probe.isSlow, false);
  probe.statted(100, 51);
  assert.equal(probe.isSlow, true);
});
