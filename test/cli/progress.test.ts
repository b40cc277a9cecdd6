/**
 * The progress line (issue 11, defect 12): rates are formatted (no `6.872852233676976 B/s`), and
 * no absurd ETA: none until a few seconds were measured, none past 100 hours. A fake terminal and
 * a fake clock: nothing here depends on real time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from '../../src/cli/render/format.js';
import { ProgressLine, etaText } from '../../src/cli/render/progress.js';

test('formatBytes rounds bytes and keeps one decimal below 10 of a unit', () => {
  assert.equal(formatBytes(6.872852233676976), '7 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(20 * 1024 * 1024), '20 MiB');
});

test('etaText: hidden until 3 s were measured, and when absurd', () => {
  assert.equal(etaText(1000, 10, 1), '');
  assert.equal(etaText(1000, 10, 4), ', ETA 1:40');
  assert.equal(etaText(1e12, 6.87, 10), '');
  assert.equal(etaText(0, 10, 10), '');
});

test('the live line: a slow start shows a formatted rate and no ETA; a steady pace shows one', () => {
  let written = '';
  let t = 1_000_000;
  const line = new ProgressLine({ write: (s: string) => (written += s), isTTY: true }, true, () => t);
  line.start(8 * 1024 * 1024 * 1024, 1);
  t += 500;
  line.bytesDone = 7;
  line.draw();
  const first = written.split('\r\x1b[K').pop() ?? '';
  assert.match(first, /^0\/1 files, 7 B\/8\.0 GiB, 14 B\/s$/);
  for (let i = 1; i <= 10; i++) {
    t += 1000;
    line.bytesDone = i * 100 * 1024 * 1024;
    line.draw();
  }
  const last = written.split('\r\x1b[K').pop() ?? '';
  assert.match(last, /, 100 MiB\/s, ETA 1:12$/);
});

test('not a terminal: nothing drawn', () => {
  let written = '';
  const line = new ProgressLine({ write: (s: string) => (written += s) }, true, () => 0);
  line.start(100, 1);
  line.bytesDone = 50;
  line.draw();
  assert.equal(written, '');
});
