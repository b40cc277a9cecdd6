/**
 * The scheduler (src/exec/schedule.ts) as a table: actions in, phases out. Each row names the
 * rule it pins down.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Action, LocalEntry, RemoteEntry } from '../../src/core/types.js';
import { dirBase } from '../../src/core/dirs.js';
import { schedule } from '../../src/exec/schedule.js';
import { file } from '../core/builders.js';

const loc = (path: string): LocalEntry => file(path, path).local();
const rem = (path: string): RemoteEntry => file(path, path).remote();
const dirL = (path: string): LocalEntry => ({ path, kind: 'dir', size: 0, mtimeMs: 0, mode: 0 });
const dirR = (path: string): RemoteEntry => ({ path, kind: 'dir', size: 0, etag: 'e', lastModifiedMs: 0 });

const A = {
  up: (p: string): Action => ({ type: 'upload', path: p, local: loc(p) }),
  down: (p: string): Action => ({ type: 'download', path: p, remote: rem(p) }),
  delL: (p: string): Action => ({ type: 'delete-local', path: p, local: loc(p) }),
  delR: (p: string): Action => ({ type: 'delete-remote', path: p, remote: rem(p) }),
  rec: (p: string): Action => ({ type: 'record', path: p, local: loc(p), remote: rem(p) }),
  forget: (p: string): Action => ({ type: 'forget', path: p, base: file(p, p).base() }),
  mvR: (from: string, p: string): Action => ({ type: 'move-remote', path: p, from, local: loc(p), remote: rem(from), base: file(from, from).base() }),
  mvL: (from: string, p: string): Action => ({ type: 'move-local', path: p, from, local: loc(from), remote: rem(p), base: file(from, from).base() }),
  both: (p: string, to: string): Action => ({ type: 'keep-both', path: p, conflictPath: to, local: loc(p), remote: rem(p) }),
  mkR: (p: string): Action => ({ type: 'mkdir-remote', path: p, local: dirL(p) }),
  mkL: (p: string): Action => ({ type: 'mkdir-local', path: p, remote: dirR(p) }),
  rmR: (p: string): Action => ({ type: 'rmdir-remote', path: p, remote: dirR(p) }),
  rmL: (p: string): Action => ({ type: 'rmdir-local', path: p, local: dirL(p) }),
  recD: (p: string): Action => ({ type: 'record-dir', path: p, local: dirL(p), remote: dirR(p) }),
  forgetD: (p: string): Action => ({ type: 'forget-dir', path: p, base: dirBase(p, 'e', undefined, false) }),
};

/** `phase: type path, ...` per phase, `!` marking the destructive ones. */
function phases(actions: Action[]): string[] {
  return schedule(actions).map((p) => `${p.name}${p.destructive ? '!' : ''}: ${p.actions.map((a) => `${a.type} ${a.path}`).join(', ')}`);
}

const TABLE: { name: string; actions: Action[]; want: string[] }[] = [
  { name: 'nothing to do: no phases', actions: [], want: [] },
  {
    name: 'transfers, moves and bookkeeping run together, before any delete',
    actions: [A.delR('z'), A.up('a'), A.down('b'), A.mvR('c', 'c2'), A.mvL('d', 'd2'), A.rec('e'), A.forget('f'), A.delL('y')],
    want: ['transfer: upload a, download b, move-remote c2, move-local d2, record e, forget f', 'delete!: delete-remote z, delete-local y'],
  },
  {
    name: 'keep-both is a transfer',
    actions: [A.both('x', 'x.conflict')],
    want: ['transfer: keep-both x'],
  },
  {
    name: 'folder removals after the file deletes, deepest first, one depth at a time',
    actions: [A.rmL('a'), A.rmR('a/b/c'), A.delL('a/f'), A.rmL('a/b')],
    want: ['delete!: delete-local a/f', 'rmdir!: rmdir-remote a/b/c', 'rmdir!: rmdir-local a/b', 'rmdir!: rmdir-local a'],
  },
  {
    name: 'folders made and recorded last, after every removal; forget-dir is bookkeeping',
    actions: [A.mkL('m'), A.recD('r'), A.mkR('n'), A.rmL('o'), A.forgetD('g')],
    want: ['transfer: forget-dir g', 'rmdir!: rmdir-local o', 'mkdir: mkdir-local m, record-dir r, mkdir-remote n'],
  },
  {
    name: 'a file replaced by a folder: the old file is cleared first, on its side only',
    actions: [A.delR('thing'), A.up('thing/x'), A.delL('thing2'), A.up('thing2/y')],
    want: ['clear!: delete-remote thing', 'transfer: upload thing/x, upload thing2/y', 'delete!: delete-local thing2'],
  },
  {
    name: 'a folder replaced by a file: its files are cleared first, deepest first',
    actions: [A.delL('thing/a/b'), A.delL('thing/x'), A.down('thing'), A.rmL('thing/e')],
    want: ['clear!: delete-local thing/a/b', 'clear!: delete-local thing/x, rmdir-local thing/e', 'transfer: download thing'],
  },
  {
    name: 'an empty folder replaced by a file of the same name',
    actions: [A.rmR('t'), A.up('t')],
    want: ['clear!: rmdir-remote t', 'transfer: upload t'],
  },
  {
    name: 'a move target and keep-both names clear their side too',
    actions: [A.delL('n'), A.mvL('o', 'n/p'), A.delR('k.c'), A.both('k', 'k.c/z')],
    want: ['clear!: delete-local n, delete-remote k.c', 'transfer: move-local n/p, keep-both k'],
  },
  {
    name: 'a sibling whose name starts the same is no overlap',
    actions: [A.delR('thing'), A.up('things/x'), A.up('thing.txt')],
    want: ['transfer: upload things/x, upload thing.txt', 'delete!: delete-remote thing'],
  },
];

describe('schedule: actions → phases', () => {
  for (const row of TABLE) {
    test(row.name, () => {
      assert.deepEqual(phases(row.actions), row.want);
    });
  }

  test('every action is scheduled exactly once', () => {
    const all = TABLE.flatMap((r) => r.actions);
    const scheduled = schedule(all).flatMap((p) => p.actions);
    assert.equal(scheduled.length, all.length);
    assert.deepEqual(new Set(scheduled), new Set(all));
  });
});
