/**
 * Move detection (src/core/moves.ts, through plan()): a delete plus an add of the same content
 * becomes one rename on the other side, and only when both halves are plain one-sided changes.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classify } from '../../src/core/classify.js';
import { countDeletes, decideSync, plan } from '../../src/core/plan.js';
import { pairMoves } from '../../src/core/moves.js';
import type { Action, BaseEntry, LocalEntry, Plan, RemoteEntry } from '../../src/core/types.js';
import { file, options, snapshot, type FileBuilder } from './builders.js';

/** `type path` or `type from → path`, for compact expectations. */
function lines(p: Plan): string[] {
  return p.actions.map((a) => (a.type === 'move-remote' || a.type === 'move-local' ? `${a.type} ${a.from} → ${a.path}` : `${a.type} ${a.path}`));
}

/** `content` synchronised at `from`, then renamed to `to` locally: local has `to`, base and remote `from`. */
function renamedLocally(from: string, to: string, content: string): { local: LocalEntry; base: BaseEntry; remote: RemoteEntry } {
  const f = file(from, content);
  return { local: file(to, content).local(), base: f.base(), remote: f.remote() };
}

/** The same, renamed on the remote by a collaborator: remote has `to` (a new object), local and base `from`. */
function renamedRemotely(from: string, to: string, content: string): { local: LocalEntry; base: BaseEntry; remote: RemoteEntry } {
  const f = file(from, content);
  return { local: f.local(), base: f.base(), remote: file(to, content).remote({ etag: `copy-of-${from}` }) };
}

function sides(...xs: { local?: LocalEntry; base?: BaseEntry; remote?: RemoteEntry }[]): Parameters<typeof snapshot>[0] {
  const local: LocalEntry[] = [];
  const base: BaseEntry[] = [];
  const remote: RemoteEntry[] = [];
  for (const x of xs) {
    if (x.local !== undefined) local.push(x.local);
    if (x.base !== undefined) base.push(x.base);
    if (x.remote !== undefined) remote.push(x.remote);
  }
  return { local, base, remote };
}

function synced(f: FileBuilder): { local: LocalEntry; base: BaseEntry; remote: RemoteEntry } {
  return { local: f.local(), base: f.base(), remote: f.remote() };
}

describe('move detection', () => {
  test('a single local rename is a remote move, carrying the entries the executor checks', () => {
    const r = renamedLocally('old.txt', 'new.txt', 'hello');
    const p = plan(snapshot(sides(r)), options('sync'));
    assert.deepEqual(lines(p), ['move-remote old.txt → new.txt']);
    const [m] = p.actions;
    assert.ok(m?.type === 'move-remote');
    assert.equal(m.remote, r.remote, 'the source object, for the copy precondition');
    assert.equal(m.local, r.local, 'the local file at the new path');
    assert.equal(m.base, r.base, 'the base of the old path');
    assert.equal(p.summary.moves, 1);
    assert.equal(p.summary.uploads, 0);
    assert.equal(p.summary.uploadBytes, 0);
    assert.equal(p.summary.deleteRemote, 0);
  });

  test('a single remote rename is a local move', () => {
    const r = renamedRemotely('old.txt', 'sub/new.txt', 'hello');
    const p = plan(snapshot(sides(r)), options('sync'));
    assert.deepEqual(lines(p), ['move-local old.txt → sub/new.txt']);
    const [m] = p.actions;
    assert.ok(m?.type === 'move-local');
    assert.equal(m.local, r.local, 'the local file at the old path, for the precondition');
    assert.equal(m.remote, r.remote, 'the object at the new path');
    assert.equal(m.base, r.base);
    assert.equal(p.summary.downloadBytes, 0);
  });

  test('push pairs local renames, pull pairs remote renames; the other verb leaves them pending', () => {
    const r = renamedLocally('old.txt', 'new.txt', 'hello');
    assert.deepEqual(lines(plan(snapshot(sides(r)), options('push'))), ['move-remote old.txt → new.txt']);
    const pulled = plan(snapshot(sides(r)), options('pull'));
    assert.deepEqual(lines(pulled), []);
    assert.deepEqual(pulled.pending.map((x) => `${x.side}:${x.change} ${x.path}`), ['local:added new.txt', 'local:deleted old.txt']);
    const rr = renamedRemotely('old.txt', 'new.txt', 'hello');
    assert.deepEqual(lines(plan(snapshot(sides(rr)), options('pull'))), ['move-local old.txt → new.txt']);
  });

  test('a rename next to an edit elsewhere: the rename moves, the edit uploads', () => {
    const edited = file('notes.md', 'v1');
    const p = plan(
      snapshot(
        sides(renamedLocally('a.txt', 'b.txt', 'same bytes'), {
          local: file('notes.md', 'v2, longer').local(),
          base: edited.base(),
          remote: edited.remote(),
        }),
      ),
      options('sync'),
    );
    assert.deepEqual(lines(p), ['move-remote a.txt → b.txt', 'upload notes.md']);
  });

  test('a folder renamed: every file moves, and none counts as a deletion', () => {
    const parts = Array.from({ length: 30 }, (_, i) => renamedLocally(`docs/f${i}.txt`, `manual/f${i}.txt`, `content ${i}`));
    const p = plan(snapshot(sides(...parts)), options('sync'));
    assert.equal(p.summary.moves, 30);
    assert.equal(p.actions.length, 30);
    assert.ok(p.actions.every((a) => a.type === 'move-remote' && a.path === a.from.replace('docs/', 'manual/')));
    assert.equal(countDeletes(p.actions), 0);
    assert.deepEqual(p.refusals, [], 'a renamed folder is not an emptied tree');
    // Without pairing, the same snapshot would be 30 deletions of 60 paths... allowed at exactly
    // half; with one more deletion it would be refused. Moves keep it far from the guard.
  });

  test('identical files moved as a group: each source and each target used once, names matched', () => {
    const parts = ['x', 'y', 'z'].map((n) => renamedLocally(`a/${n}.txt`, `b/${n}.txt`, 'identical'));
    const p = plan(snapshot(sides(...parts)), options('sync'));
    assert.deepEqual(lines(p), ['move-remote a/x.txt → b/x.txt', 'move-remote a/y.txt → b/y.txt', 'move-remote a/z.txt → b/z.txt']);
  });

  test('more copies than deletions: the extra ones are ordinary uploads; more deletions: ordinary deletes', () => {
    const f = file('one.txt', 'dup');
    const more = plan(
      snapshot({ local: ['c.txt', 'b.txt', 'a.txt'].map((n) => file(n, 'dup').local()), base: [f.base()], remote: [f.remote()] }),
      options('sync'),
    );
    // No name matches: path order pairs one.txt with a.txt.
    assert.deepEqual(lines(more), ['move-remote one.txt → a.txt', 'upload b.txt', 'upload c.txt']);
    const fewer = plan(
      snapshot(sides(renamedLocally('p.txt', 'q/p.txt', 'dup'), synced(file('r.txt', 'dup')), { base: file('s.txt', 'dup').base(), remote: file('s.txt', 'dup').remote() })),
      options('sync'),
    );
    assert.deepEqual(lines(fewer), ['move-remote p.txt → q/p.txt', 'delete-remote s.txt']);
  });

  test('renamed locally while the collaborator edited the source: not a move; the edit survives', () => {
    const old = file('old.txt', 'v1');
    const s = snapshot({
      local: [file('new.txt', 'v1').local()],
      base: [old.base()],
      remote: [file('old.txt', 'v2 by the collaborator').remote()],
    });
    const p = plan(s, options('sync'));
    // The edit beats the delete: old.txt comes back with the collaborator's content; new.txt is sent.
    assert.deepEqual(lines(p), ['upload new.txt', 'download old.txt']);
    assert.equal(p.summary.moves, 0);
  });

  test('renamed remotely while the source was edited here: not a move; the local edit is sent', () => {
    const old = file('old.txt', 'v1');
    const s = snapshot({
      local: [file('old.txt', 'v2 edited here').local()],
      base: [old.base()],
      remote: [file('new.txt', 'v1').remote({ etag: 'copied' })],
    });
    assert.deepEqual(lines(plan(s, options('sync'))), ['download new.txt', 'upload old.txt']);
  });

  test('a rename onto a path the other side also created: the target conflicts, the source is a plain delete', () => {
    const r = renamedLocally('old.txt', 'new.txt', 'mine');
    const s = snapshot(sides(r, { remote: file('new.txt', 'theirs').remote() }));
    const p = plan(s, options('sync'));
    assert.deepEqual(lines(p), ['delete-remote old.txt']);
    assert.deepEqual(p.conflicts.map((c) => c.path), ['new.txt']);
  });

  test('push --force over a remote edit of the source: not a move (the force decision stands)', () => {
    const old = file('old.txt', 'v1');
    const s = snapshot({ local: [file('new.txt', 'v1').local()], base: [old.base()], remote: [file('old.txt', 'v2').remote()] });
    assert.deepEqual(lines(plan(s, options('push', { force: true }))), ['upload new.txt', 'delete-remote old.txt']);
  });

  test('an unhashed remote object is not paired (content unknown), nor are empty files', () => {
    const old = file('old.bin', 'data');
    const unknown = snapshot({ local: [old.local()], base: [old.base()], remote: [file('new.bin', 'data').remote({ etag: 'x-2', hashKnown: false })] });
    assert.deepEqual(lines(plan(unknown, options('sync'))), ['download new.bin', 'delete-local old.bin']);
    const empty = renamedLocally('.gitkeep', 'pkg/__init__.py', '');
    assert.deepEqual(lines(plan(snapshot(sides(empty)), options('sync'))), ['delete-remote .gitkeep', 'upload pkg/__init__.py']);
  });

  test('renames both ways in one run', () => {
    const p = plan(snapshot(sides(renamedLocally('l1.txt', 'l2.txt', 'mine'), renamedRemotely('r1.txt', 'r2.txt', 'theirs'))), options('sync'));
    assert.deepEqual(lines(p), ['move-remote l1.txt → l2.txt', 'move-local r1.txt → r2.txt']);
  });

  test('pairing does not depend on the order of the actions', () => {
    const parts = ['c', 'a', 'b'].map((n, i) => renamedLocally(`src/${n}.txt`, `dst/${i}.txt`, 'dup'));
    const raw: Action[] = [];
    for (const st of classify(snapshot(sides(...parts)))) {
      const d = decideSync(st);
      if (d.kind === 'action') raw.push(d.action);
    }
    const byTarget = (xs: Action[]): string[] => lines({ ...plan(snapshot({}), options('sync')), actions: xs }).sort();
    assert.deepEqual(byTarget(pairMoves(raw)), byTarget(pairMoves([...raw].reverse())));
    // No names match: sources and targets are paired in path order.
    assert.deepEqual(lines(plan(snapshot(sides(...parts)), options('sync'))), [
      'move-remote src/a.txt → dst/0.txt',
      'move-remote src/b.txt → dst/1.txt',
      'move-remote src/c.txt → dst/2.txt',
    ]);
  });
});
