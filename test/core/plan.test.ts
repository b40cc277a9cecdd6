/**
 * Planner cases the table does not cover: the max-delete guard, the stat shortcut, ordering,
 * totals and determinism.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countDeletes, plan } from '../../src/core/plan.js';
import type { BaseEntry, LocalEntry, RemoteEntry, Snapshot } from '../../src/core/types.js';
import { BASE_MTIME, file, options, snapshot } from './builders.js';

/** `n` files in sync on all three sides, of which the first `deleted` are gone locally. */
function localDeletes(n: number, deleted: number): Snapshot {
  const local: LocalEntry[] = [];
  const base: BaseEntry[] = [];
  const remote: RemoteEntry[] = [];
  for (let i = 0; i < n; i++) {
    const f = file(`f${String(i).padStart(3, '0')}.txt`, `content ${i}`);
    if (i >= deleted) local.push(f.local());
    base.push(f.base());
    remote.push(f.remote());
  }
  return snapshot({ local, base, remote });
}

describe('max-delete guard', () => {
  test('3 of 4 deleted is ordinary work (under the floor)', () => {
    const p = plan(localDeletes(4, 3), options('sync'));
    assert.equal(p.summary.deleteRemote, 3);
    assert.deepEqual(p.refusals, []);
  });

  test('11 of 20 deleted is refused, and the actions are still listed', () => {
    const p = plan(localDeletes(20, 11), options('push'));
    assert.equal(p.actions.length, 11);
    assert.equal(p.refusals.length, 1);
    const [r] = p.refusals;
    assert.equal(r?.kind, 'max-delete');
    assert.equal(r?.deletes, 11);
    assert.equal(r?.total, 20);
    assert.match(r?.message ?? '', /would delete 11 of 20 files \(more than 50%\): refusing/);
    assert.match(r?.message ?? '', /--max-delete 11 \/ --force/);
  });

  test('exactly half is allowed; one more is not', () => {
    assert.deepEqual(plan(localDeletes(22, 11), options('sync')).refusals, []);
    assert.equal(plan(localDeletes(22, 12), options('sync')).refusals.length, 1);
  });

  test('10 of 12 deleted is fine: at or below the floor whatever the share', () => {
    assert.deepEqual(plan(localDeletes(12, 10), options('sync')).refusals, []);
  });

  test('the sync hint does not offer --force, which sync does not take', () => {
    const [r] = plan(localDeletes(20, 11), options('sync')).refusals;
    assert.ok(r !== undefined);
    assert.doesNotMatch(r.message, /--force/);
  });

  test('--max-delete replaces the share rule, both ways', () => {
    assert.deepEqual(plan(localDeletes(20, 11), options('sync', { maxDelete: 11 })).refusals, []);
    const p = plan(localDeletes(4, 3), options('sync', { maxDelete: 2 }));
    assert.equal(p.refusals.length, 1);
    assert.match(p.refusals[0]?.message ?? '', /more than --max-delete 2/);
    assert.equal(plan(localDeletes(4, 1), options('sync', { maxDelete: 0 })).refusals.length, 1);
  });

  test('--force lifts the share rule; --mirror alone does not, and an explicit --max-delete still holds', () => {
    assert.deepEqual(plan(localDeletes(20, 20), options('push', { force: true })).refusals, []);
    assert.equal(plan(localDeletes(20, 20), options('push', { mirror: true })).refusals.length, 1);
    assert.equal(plan(localDeletes(20, 20), options('push', { force: true, maxDelete: 5 })).refusals.length, 1);
  });

  test('local deletions count too (pull from an emptied remote)', () => {
    const files = Array.from({ length: 20 }, (_, i) => file(`g${i}`, `x${i}`));
    const s = snapshot({ local: files.map((f) => f.local()), base: files.map((f) => f.base()) });
    const p = plan(s, options('pull'));
    assert.equal(p.summary.deleteLocal, 20);
    assert.match(p.refusals[0]?.message ?? '', /would delete 20 of 20 files.*remote and its prefix/);
  });

  test('countDeletes counts only deletions', () => {
    const p = plan(localDeletes(4, 3), options('sync'));
    assert.equal(countDeletes(p.actions), 3);
    const f = file('a', 'a');
    assert.equal(countDeletes([{ type: 'forget', path: 'a', base: f.base() }]), 0);
  });
});

describe('change detection', () => {
  const BASE = file('a.txt', 'base');
  const EDIT = file('a.txt', 'edit');

  test('an unhashed local file with the base stat is unchanged', () => {
    const s = snapshot({ local: [BASE.local({ hash: false })], base: [BASE.base()], remote: [BASE.remote()] });
    assert.deepEqual(plan(s, options('sync')).actions, []);
  });

  test('an unhashed local file with another mtime is an edit', () => {
    const s = snapshot({
      local: [BASE.local({ hash: false, mtimeMs: BASE_MTIME + 1 })],
      base: [BASE.base()],
      remote: [BASE.remote()],
    });
    assert.deepEqual(plan(s, options('sync')).actions.map((a) => a.type), ['upload']);
  });

  test('an unhashed local edit against a remote edit is unknown-content, never a guessed "same"', () => {
    const s = snapshot({
      local: [EDIT.local({ hash: false, mtimeMs: BASE_MTIME + 1 })],
      base: [BASE.base()],
      remote: [EDIT.remote()],
    });
    assert.deepEqual(plan(s, options('sync')).conflicts.map((c) => c.reason), ['unknown-content']);
  });

  test('a same-size edit is an edit: the hash decides, not the size', () => {
    const SAME_SIZE = file('a.txt', 'BASE');
    assert.equal(SAME_SIZE.local().size, BASE.local().size);
    const s = snapshot({ local: [SAME_SIZE.local()], base: [BASE.base()], remote: [BASE.remote()] });
    assert.deepEqual(plan(s, options('sync')).actions.map((a) => a.type), ['upload']);
  });

  test('a touched file with the base hash is unchanged', () => {
    const s = snapshot({
      local: [BASE.local({ mtimeMs: BASE_MTIME + 60_000 })],
      base: [BASE.base()],
      remote: [BASE.remote()],
    });
    assert.deepEqual(plan(s, options('sync')).actions, []);
  });

  test('the same bytes re-uploaded (new ETag, same hash) are recorded, not downloaded', () => {
    const s = snapshot({ local: [BASE.local()], base: [BASE.base()], remote: [BASE.remote({ etag: 'new-etag-2' })] });
    const p = plan(s, options('push'));
    assert.deepEqual(p.actions.map((a) => a.type), ['record']);
    assert.deepEqual(p.pending, []);
  });
});

describe('output', () => {
  test('actions, conflicts and pending are in UTF-8 byte order (the one comparator)', () => {
    // '\uFF5E' sorts before an emoji in UTF-8 but after it in UTF-16 code units.
    const names = ['b.txt', 'a/b.txt', 'a-b.txt', '\u{1F600}.txt', '\uFF5E.txt', 'A.txt'];
    const s = snapshot({ local: names.map((n) => file(n, n).local()) });
    const got = plan(s, options('sync')).actions.map((a) => a.path);
    assert.deepEqual(got, ['A.txt', 'a-b.txt', 'a/b.txt', 'b.txt', '\uFF5E.txt', '\u{1F600}.txt']);

    const conflicted = snapshot({
      local: names.map((n) => file(n, `${n} L`).local()),
      remote: names.map((n) => file(n, `${n} R`).remote()),
    });
    const p = plan(conflicted, options('sync'));
    assert.deepEqual(p.conflicts.map((c) => c.path), got);
    assert.deepEqual(plan(snapshot({ remote: names.map((n) => file(n, n).remote()) }), options('push')).pending.map((q) => q.path), got);
  });

  test('summary counts and byte totals', () => {
    const up = file('up.txt', '12345');
    const down = file('down.txt', '1234567');
    const gone = file('gone.txt', 'x');
    const same = file('same.txt', 'same');
    const clash = file('clash.txt', 'L');
    const s = snapshot({
      local: [up.local(), same.local(), clash.local()],
      base: [gone.base()],
      remote: [down.remote(), same.remote(), file('clash.txt', 'R').remote()],
    });
    assert.deepEqual(plan(s, options('sync')).summary, {
      uploads: 1,
      downloads: 1,
      deleteRemote: 0,
      deleteLocal: 0,
      records: 1,
      forgets: 1,
      moves: 0,
      foldersMade: 0,
      foldersRemoved: 0,
      keepBoth: 0,
      conflicts: 1,
      settled: 0,
      pending: 0,
      uploadBytes: 5,
      downloadBytes: 7,
    });
  });

  test('the plan does not depend on map insertion order', () => {
    const fs = ['c', 'a', 'b', 'd'].map((n) => file(n, n));
    const forward = snapshot({ local: fs.slice(0, 3).map((f) => f.local()), remote: fs.slice(1).map((f) => f.remote()) });
    const backward = snapshot({
      local: fs.slice(0, 3).reverse().map((f) => f.local()),
      remote: fs.slice(1).reverse().map((f) => f.remote()),
    });
    assert.deepEqual(plan(forward, options('sync')), plan(backward, options('sync')));
  });
});
