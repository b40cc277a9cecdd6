/**
 * Issue 11 defect 2: a file replaced by a folder of the same name, or a folder by a file, on one
 * side since the last sync. The name check lets the change through when the other side is as
 * synced (and refuses it when both sides changed); the plan then removes the old kind and writes
 * the new, and the scheduler puts the removal first.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shownType } from '../../src/core/action-view.js';
import { isKindChange, type KindSide, type KindSides } from '../../src/core/kind-change.js';
import { checkNames, CASE_AND_FORM_SENSITIVE } from '../../src/core/names.js';
import { plan } from '../../src/core/plan.js';
import type { BaseEntry, LocalEntry, PlanMode, RemoteEntry } from '../../src/core/types.js';
import { schedule } from '../../src/exec/schedule.js';
import { file, options, snapshot } from './builders.js';

function sideOf<E extends { readonly path: string; readonly kind: string }>(entries: readonly E[]): KindSide<E> {
  return {
    file: (p) => entries.find((e) => e.path === p && e.kind !== 'dir'),
    hasDir: (p) => entries.some((e) => e.path === p && e.kind === 'dir'),
    below: (p) => entries.filter((e) => e.path.startsWith(`${p}/`)),
  };
}

interface Case {
  readonly name: string;
  readonly local: readonly LocalEntry[];
  readonly remote: readonly RemoteEntry[];
  readonly base: readonly BaseEntry[];
  /** Carried out (true) or refused as a name problem (false). */
  readonly change: boolean;
  /** The plan of each mode, as `verb path`, phase by phase (`|` between phases). */
  readonly phases?: Partial<Record<PlanMode, string>>;
}

const old = file('thing', 'the old file');
const edited = file('thing', 'the old file, edited');
const x = file('thing/x', 'x in the new folder');
const y = file('thing/y', 'y in the old folder');
const y2 = file('thing/y', 'y edited');
const z = file('thing/z', 'z added to the old folder');
const newFile = file('thing', 'a new file where the folder was');
const emptyDir = (path: string): LocalEntry => ({ path, kind: 'dir', size: 0, mtimeMs: 0, mode: 0 });

const cases: readonly Case[] = [
  {
    name: 'file → folder here, file as synced there: the remote file goes first, then the folder is uploaded',
    local: [x.local()],
    remote: [old.remote()],
    base: [old.base()],
    change: true,
    phases: { sync: 'delete-remote thing | upload thing/x', push: 'delete-remote thing | upload thing/x' },
  },
  {
    name: 'file → folder on the remote, file as synced here: the local file goes first, then the folder is downloaded',
    local: [old.local()],
    remote: [x.remote()],
    base: [old.base()],
    change: true,
    phases: { sync: 'delete-local thing | download thing/x', pull: 'delete-local thing | download thing/x' },
  },
  {
    name: 'folder → file here, folder as synced there: the remote folder goes first, then the file is uploaded',
    local: [newFile.local()],
    remote: [y.remote()],
    base: [y.base()],
    change: true,
    phases: { sync: 'delete-remote thing/y | upload thing', push: 'delete-remote thing/y | upload thing' },
  },
  {
    name: 'folder → file on the remote, folder as synced here: the local folder goes first, then the file is downloaded',
    local: [y.local()],
    remote: [newFile.remote()],
    base: [y.base()],
    change: true,
    phases: { sync: 'delete-local thing/y | download thing', pull: 'delete-local thing/y | download thing' },
  },
  { name: 'file → folder here, the file edited there: both changed, refused', local: [x.local()], remote: [edited.remote({ etag: 'edited' })], base: [old.base()], change: false },
  { name: 'folder → file on the remote, a file in the folder edited here: refused', local: [y2.local()], remote: [newFile.remote()], base: [y.base()], change: false },
  { name: 'folder → file on the remote, a file added to the folder here: refused', local: [y.local(), z.local()], remote: [newFile.remote()], base: [y.base()], change: false },
  { name: 'a new file here and a new folder there, nothing synced: refused', local: [newFile.local()], remote: [x.remote()], base: [], change: false },
  { name: 'file → empty folder here: left to the refusal (the dir rules decide a folder apart)', local: [emptyDir('thing')], remote: [old.remote()], base: [old.base()], change: false },
];

function sidesOf(c: Case): KindSides {
  return { local: sideOf(c.local), remote: sideOf(c.remote), base: (p) => c.base.find((b) => b.path === p) };
}

describe('a change of kind at one path', () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(isKindChange('thing', sidesOf(c)), c.change);
      const files = (es: readonly { path: string; kind: string }[]): string[] => es.filter((e) => e.kind !== 'dir').map((e) => e.path);
      const dirs = (es: readonly { path: string; kind: string }[]): string[] => es.filter((e) => e.kind === 'dir').map((e) => e.path);
      const sides = sidesOf(c);
      const check = checkNames({ local: files(c.local), remote: files(c.remote), localDirs: dirs(c.local), remoteDirs: dirs(c.remote), fs: CASE_AND_FORM_SENSITIVE, kindChange: (p) => isKindChange(p, sides) });
      assert.deepEqual(
        check.problems.map((p) => p.kind),
        c.change ? [] : ['file-folder'],
      );
      for (const [mode, expected] of Object.entries(c.phases ?? {})) {
        const p = plan(snapshot({ local: c.local, remote: c.remote, base: c.base }), options(mode as PlanMode));
        assert.deepEqual(p.conflicts, []);
        const shown = schedule(p.actions)
          .map((phase) => phase.actions.map((a) => `${shownType(a)} ${a.path}`).join(', '))
          .join(' | ');
        assert.equal(shown, expected, mode);
      }
    });
  }
});
