/**
 * The progress line (issue 11, defect 12): it moves as bytes move (each streamed chunk, not whole
 * parts), says so while a big file is hashed instead of showing a rate of nothing, formats rates
 * (no `6.872852233676976 B/s`), and shows no absurd ETA: none until a few seconds were measured,
 * none past 100 hours. The model is fed byte events on a fake clock: nothing here depends on real
 * time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from '../../src/cli/render/format.js';
import { ProgressLine, ProgressModel, etaText } from '../../src/cli/render/progress.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

test('formatBytes rounds bytes and keeps one decimal below 10 of a unit', () => {
  assert.equal(formatBytes(6.872852233676976), '7 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(20 * MiB), '20 MiB');
});

test('etaText: hidden until 3 s were measured, and when absurd', () => {
  assert.equal(etaText(1000, 10, 1), '');
  assert.equal(etaText(1000, 10, 4), ', ETA 1:40');
  assert.equal(etaText(1e12, 6.87, 10), '');
  assert.equal(etaText(0, 10, 10), '');
});

test('a slow start shows a formatted rate and no ETA; a steady pace shows one', () => {
  let t = 1_000_000;
  const m = new ProgressModel(() => t);
  m.start(8 * GiB, 1);
  t += 500;
  m.moved(7);
  assert.equal(m.render(), '0/1 files, 7 B/8.0 GiB, 14 B/s');
  let line = '';
  for (let i = 1; i <= 10; i++) {
    t += 1000;
    m.moved(100 * MiB);
    line = m.render();
  }
  assert.match(line, /, 100 MiB\/s, ETA 1:12$/);
});

test('a big part moves the line as its chunks stream, long before the part is done', () => {
  let t = 0;
  const m = new ProgressModel(() => t);
  m.start(64 * MiB, 1);
  // One 16 MiB part going out in 64 KiB chunks at 4 MiB/s: the line follows every chunk.
  const seen: string[] = [];
  for (let chunk = 1; chunk <= 16 * 16; chunk++) {
    t += 15.625; // ms per 64 KiB at 4 MiB/s
    m.moved(64 * 1024);
    if (chunk % 64 === 0) seen.push(m.render());
  }
  assert.deepEqual(
    seen.map((l) => l.split(', ').slice(0, 2).join(', ')),
    ['0/1 files, 4.0 MiB/64 MiB', '0/1 files, 8.0 MiB/64 MiB', '0/1 files, 12 MiB/64 MiB', '0/1 files, 16 MiB/64 MiB'],
  );
  assert.match(seen[3] ?? '', /, 4\.0 MiB\/s, ETA 0:12$/);
});

test('while a big file is hashed: "hashing <path> n%", no rate of nothing, no ETA', () => {
  let t = 0;
  const m = new ProgressModel(() => t, (p) => `../${p}`);
  m.start(4 * GiB, 1);
  for (let i = 1; i <= 10; i++) {
    t += 1000;
    m.hashed('media/big.iso', 100 * MiB, 4 * GiB);
  }
  assert.equal(m.render(), '0/1 files, 0 B/4.0 GiB, hashing ../media/big.iso 24%');
  // Hashed through: the line is about moving bytes again.
  m.hashed('media/big.iso', 4 * GiB, 4 * GiB);
  t += 1000;
  m.moved(50 * MiB);
  assert.doesNotMatch(m.render(), /hashing/);
});

test('several files hashed at once are summed; one that fails leaves the line', () => {
  const m = new ProgressModel(() => 0);
  m.hashed('a.bin', 10 * MiB, 100 * MiB);
  m.hashed('b.bin', 40 * MiB, 100 * MiB);
  // Before the plan (the scan hashing changed files): only the hashing part.
  assert.equal(m.render(), 'hashing 2 files 25%');
  m.hashEnded('b.bin');
  assert.equal(m.render(), 'hashing a.bin 10%');
  m.hashEnded('a.bin');
  assert.equal(m.render(), '');
});

test('the terminal line: redrawn in place, at most 10 times a second, cut to the width', () => {
  let written = '';
  let t = 1_000_000;
  const line = new ProgressLine({ write: (s: string) => (written += s), isTTY: true, columns: 20 }, true, () => t);
  line.model.start(100, 1);
  line.model.moved(50);
  line.draw();
  t += 50;
  line.model.moved(10);
  line.draw(); // too soon: not drawn
  assert.equal(written, '\r\x1b[K0/1 files, 50 B/100');
  line.clear();
  assert.ok(written.endsWith('\r\x1b[K'));
});

test('not a terminal: nothing drawn', () => {
  let written = '';
  const line = new ProgressLine({ write: (s: string) => (written += s) }, true, () => 0);
  line.model.start(100, 1);
  line.model.moved(50);
  line.draw();
  assert.equal(written, '');
});
