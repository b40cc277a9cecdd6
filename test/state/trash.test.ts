/**
 * The trash's bounds (issue 11 defect 11): pruning by age, then by size oldest first, never the
 * pruning run's own folder; and the config keys that set them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, parseSize, repoKey } from '../../src/state/config-keys.js';
import { runsToPrune, runTime, newestCopy, type TrashItem, type TrashRun } from '../../src/state/trash.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

function run(name: string, bytes: number): TrashRun {
  const whenMs = runTime(name);
  assert.ok(whenMs !== undefined, name);
  return { run: name, whenMs, bytes, items: [] };
}

const runs = [run('20261001-000000', 100), run('20261120-000000', 300), run('20261205-000000', 500), run('20261206-115900', 700)];
const names = (rs: readonly TrashRun[]): string[] => rs.map((r) => r.run).sort();

test('runs older than the age limit go; the rest stay while they fit', () => {
  assert.deepEqual(names(runsToPrune(runs, { maxAgeMs: 30 * DAY, maxBytes: 10_000 }, '20261206-115900', NOW)), ['20261001-000000']);
  assert.deepEqual(names(runsToPrune(runs, { maxAgeMs: 365 * DAY, maxBytes: 10_000 }, '20261206-115900', NOW)), []);
});

test('over the size limit, the oldest runs go first until the rest fit', () => {
  assert.deepEqual(names(runsToPrune(runs, { maxAgeMs: 365 * DAY, maxBytes: 1300 }, '20261206-115900', NOW)), ['20261001-000000', '20261120-000000']);
  assert.deepEqual(names(runsToPrune(runs, { maxAgeMs: 30 * DAY, maxBytes: 1200 }, '20261206-115900', NOW)), ['20261001-000000', '20261120-000000']);
});

test("the pruning run's own folder is never pruned, even alone over the limit or too old", () => {
  assert.deepEqual(names(runsToPrune(runs, { maxAgeMs: 1000, maxBytes: 1 }, '20261206-115900', NOW)), ['20261001-000000', '20261120-000000', '20261205-000000']);
  assert.deepEqual(names(runsToPrune([run('20200101-000000', 5)], { maxAgeMs: 1000, maxBytes: 1 }, '20200101-000000', NOW)), []);
});

test('the newest copy of a path: the latest run, then the latest copy within it', () => {
  const item = (path: string, r: string, suffix: string): TrashItem => ({ path, run: r, suffix, whenMs: runTime(r) ?? 0, size: 1, file: '' });
  const items = [item('a.txt', '20261001-000000', ''), item('a.txt', '20261120-000000', ''), item('a.txt', '20261120-000000', '.2'), item('b.txt', '20261205-000000', '')];
  assert.deepEqual(newestCopy(items, 'a.txt'), items[2]);
  assert.equal(newestCopy(items, 'c.txt'), undefined);
});

test('trash_max_age and trash_max_size: durations and sizes, validated', () => {
  assert.equal(parseDuration('30d'), 30 * DAY);
  assert.equal(parseDuration('12h'), 12 * 3_600_000);
  assert.equal(parseDuration('2w'), 14 * DAY);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('-3d'), undefined);
  assert.equal(parseSize('1G'), 1024 ** 3);
  assert.equal(repoKey('trash_max_age')?.parse('30d'), '30d');
  assert.equal(repoKey('trash_max_age')?.parse('30'), undefined, 'a unit is needed');
  assert.equal(repoKey('trash_max_size')?.parse('1G'), 1024 ** 3);
  assert.equal(repoKey('trash_max_size')?.parse('lots'), undefined);
});
