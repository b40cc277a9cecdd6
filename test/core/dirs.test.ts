/**
 * The planner's rules for dir entries (core/dirs.ts): empty folders locally, `dir/` markers on
 * the remote. One test per rule, in every mode where the modes differ.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shownType } from '../../src/core/action-view.js';
import { actsOnDir, dirBase } from '../../src/core/dirs.js';
import { checkNames, CASE_AND_FORM_SENSITIVE } from '../../src/core/names.js';
import { countDeletes, plan } from '../../src/core/plan.js';
import type { BaseEntry, LocalEntry, Plan, RemoteEntry } from '../../src/core/types.js';
import { BASE_MTIME, file, options, snapshot } from './builders.js';

const emptyDir = (path: string): LocalEntry => ({ path, kind: 'dir', size: 0, mtimeMs: 0, mode: 0 });
const marker = (path: string, etag = 'd41d8cd98f00b204e9800998ecf8427e'): RemoteEntry => ({ path, kind: 'dir', size: 0, etag, lastModifiedMs: BASE_MTIME });
const dirRecord = (path: string, own = false, etag = 'd41d8cd98f00b204e9800998ecf8427e'): BaseEntry => dirBase(path, etag, undefined, own);

/** `type path` per action as users see it (core/action-view.ts), dirs with a trailing slash. */
function acts(p: Plan): string[] {
  return p.actions.map((a) => `${shownType(a)} ${a.path}${actsOnDir(a) ? '/' : ''}`);
}

describe('dir entries: new folders', () => {
  test('a new local empty folder puts its marker, if-none-match', () => {
    const p = plan(snapshot({ local: [emptyDir('e')] }), options('sync'));
    assert.deepEqual(acts(p), ['upload e/']);
    const [a] = p.actions;
    assert.ok(a?.type === 'mkdir-remote' && a.expectRemote === undefined);
    assert.equal(p.summary.uploadBytes, 0);
  });

  test('no marker for a local empty folder the remote fills in this run', () => {
    const f = file('e/new.txt', 'from elsewhere');
    const p = plan(snapshot({ local: [emptyDir('e')], remote: [f.remote()] }), options('sync'));
    assert.deepEqual(acts(p), ['download e/new.txt']);
  });

  test('a new marker makes the local folder', () => {
    assert.deepEqual(acts(plan(snapshot({ remote: [marker('m')] }), options('sync'))), ['download m/']);
    assert.deepEqual(acts(plan(snapshot({ remote: [marker('m')] }), options('pull'))), ['download m/']);
    const push = plan(snapshot({ remote: [marker('m')] }), options('push'));
    assert.deepEqual(acts(push), []);
    assert.deepEqual(push.pending, [{ path: 'm', side: 'remote', change: 'added' }]);
  });

  test('the same folder made on both sides is recorded, never a conflict', () => {
    const p = plan(snapshot({ local: [emptyDir('both')], remote: [marker('both', 'other-etag')] }), options('sync'));
    assert.deepEqual(acts(p), ['record both/']);
    assert.deepEqual(p.conflicts, []);
  });

  test('a foreign marker next to local files is recorded (so deleting the folder later removes it)', () => {
    const f = file('c/x.txt', 'x');
    const p = plan(snapshot({ local: [f.local()], base: [f.base()], remote: [f.remote(), marker('c')] }), options('sync'));
    assert.deepEqual(acts(p), ['record c/']);
  });
});

describe('dir entries: removed folders', () => {
  test('a folder deleted locally deletes its unchanged marker', () => {
    const p = plan(snapshot({ base: [dirRecord('gone')], remote: [marker('gone')] }), options('sync'));
    assert.deepEqual(acts(p), ['delete-remote gone/']);
  });

  test('a marker another tool rewrote meanwhile is not deleted: the folder comes back', () => {
    const p = plan(snapshot({ base: [dirRecord('gone')], remote: [marker('gone', 'rewritten')] }), options('sync'));
    assert.deepEqual(acts(p), ['download gone/']);
  });

  test('a marker deleted on the remote removes the local folder while it is empty', () => {
    const p = plan(snapshot({ local: [emptyDir('e')], base: [dirRecord('e')] }), options('sync'));
    assert.deepEqual(acts(p), ['delete-local e/']);
    assert.deepEqual(acts(plan(snapshot({ local: [emptyDir('e')], base: [dirRecord('e')] }), options('push'))), []);
  });

  test('a file added into a folder whose marker was deleted meanwhile wins: uploaded, record dropped', () => {
    const f = file('shared/new.txt', 'new');
    const p = plan(snapshot({ local: [f.local()], base: [dirRecord('shared')] }), options('sync'));
    assert.deepEqual(acts(p), ['forget shared/', 'upload shared/new.txt']);
  });

  test('a folder deleted entirely: files and markers go, and only files count for the guard', () => {
    const files = Array.from({ length: 3 }, (_, i) => file(`t/sub/f${i}.txt`, `content ${i}`));
    const p = plan(
      snapshot({
        local: [file('keep.txt', 'k').local()],
        base: [file('keep.txt', 'k').base(), ...files.map((f) => f.base()), dirRecord('t'), dirRecord('t/sub/empty')],
        remote: [file('keep.txt', 'k').remote(), ...files.map((f) => f.remote()), marker('t'), marker('t/sub/empty')],
      }),
      options('sync'),
    );
    assert.deepEqual(acts(p), ['delete-remote t/', 'delete-remote t/sub/empty/', 'delete-remote t/sub/f0.txt', 'delete-remote t/sub/f1.txt', 'delete-remote t/sub/f2.txt']);
    assert.equal(countDeletes(p.actions), 3);
  });

  test('deleting many empty folders is not refused by the max-delete guard', () => {
    const dirs = Array.from({ length: 40 }, (_, i) => `d${i}`);
    const p = plan(snapshot({ base: dirs.map((d) => dirRecord(d)), remote: dirs.map((d) => marker(d)) }), options('sync'));
    assert.equal(p.actions.length, 40);
    assert.deepEqual(p.refusals, []);
  });
});

describe('dir entries: folders emptied or filled', () => {
  test('a folder emptied here but kept: its files are deleted on the remote and its marker put', () => {
    const f = file('box/x.txt', 'x');
    const p = plan(snapshot({ local: [emptyDir('box')], base: [f.base()], remote: [f.remote()] }), options('sync'));
    assert.deepEqual(acts(p), ['upload box/', 'delete-remote box/x.txt']);
  });

  test('a pull emptying a folder whose marker stays keeps the folder', () => {
    const f = file('box/x.txt', 'x');
    const p = plan(snapshot({ local: [f.local()], base: [f.base(), dirRecord('box')], remote: [marker('box')] }), options('sync'));
    assert.deepEqual(acts(p), ['download box/', 'delete-local box/x.txt']);
    // The same with a marker just put by a collaborator (no record yet).
    const q = plan(snapshot({ local: [f.local()], base: [f.base()], remote: [marker('box')] }), options('pull'));
    assert.deepEqual(acts(q), ['download box/', 'delete-local box/x.txt']);
  });

  test("lsync's own marker goes once files imply the folder on both sides; another's stays", () => {
    const f = file('box/x.txt', 'x');
    const sides = (own: boolean) => snapshot({ local: [f.local()], base: [dirRecord('box', own)], remote: [marker('box')] });
    assert.deepEqual(acts(plan(sides(true), options('sync'))), ['delete-remote box/', 'upload box/x.txt']);
    assert.deepEqual(acts(plan(sides(false), options('sync'))), ['upload box/x.txt']);
    // pull does not upload the file, so the marker is not redundant yet; nothing is reported for it.
    const pull = plan(sides(true), options('pull'));
    assert.deepEqual(acts(pull), []);
    assert.deepEqual(pull.pending, [{ path: 'box/x.txt', side: 'local', change: 'added' }]);
  });
});

describe('dir entries: nested folders decided deepest first (issue 11 defect 3)', () => {
  test('the innermost empty folder removed here: its parent, empty now, gets its own marker', () => {
    // B: deep/a/b/c synced, then c removed: deep/a/b is empty now and must exist on the remote.
    const p = plan(snapshot({ local: [emptyDir('deep/a/b')], base: [dirRecord('deep/a/b/c')], remote: [marker('deep/a/b/c')] }), options('push'));
    assert.deepEqual(acts(p), ['upload deep/a/b/', 'delete-remote deep/a/b/c/']);
  });

  test('a marker deleted on the remote while its parent gained one: the parent stays here', () => {
    // A: still has deep/a/b/c; the remote now holds deep/a/b/ and no c/.
    for (const mode of ['sync', 'pull'] as const) {
      const p = plan(snapshot({ local: [emptyDir('deep/a/b/c')], base: [dirRecord('deep/a/b/c')], remote: [marker('deep/a/b')] }), options(mode));
      assert.deepEqual(acts(p), ['download deep/a/b/', 'delete-local deep/a/b/c/'], mode);
    }
  });

  test('a folder emptied by the removal of its only (empty) subfolder is kept where the other side keeps it', () => {
    // Both sides had x/y recorded; the remote removed y but holds x/ (another tool's marker).
    const p = plan(snapshot({ local: [emptyDir('x/y')], base: [dirRecord('x/y')], remote: [marker('x')] }), options('sync'));
    assert.deepEqual(acts(p), ['download x/', 'delete-local x/y/']);
  });

  test('two levels removed on the remote: both go here, nothing is made', () => {
    const p = plan(snapshot({ local: [emptyDir('a/b/c')], base: [dirRecord('a/b/c')], remote: [] }), options('sync'));
    assert.deepEqual(acts(p), ['delete-local a/b/c/']);
  });
});

describe('dir entries: --force and --mirror', () => {
  test('push --mirror deletes a foreign marker the local tree lacks; push --force leaves it pending', () => {
    const s = snapshot({ remote: [marker('theirs')] });
    assert.deepEqual(acts(plan(s, options('push', { mirror: true }))), ['delete-remote theirs/']);
    const force = plan(s, options('push', { force: true }));
    assert.deepEqual(acts(force), []);
    assert.deepEqual(force.pending, [{ path: 'theirs', side: 'remote', change: 'added' }]);
  });

  test('pull --mirror removes a local empty folder the remote lacks; pull --force makes missing ones', () => {
    assert.deepEqual(acts(plan(snapshot({ local: [emptyDir('mine')] }), options('pull', { mirror: true }))), ['delete-local mine/']);
    assert.deepEqual(acts(plan(snapshot({ base: [dirRecord('m')], remote: [marker('m')] }), options('pull', { force: true }))), ['download m/']);
  });

  test('push --force puts the marker of every local empty folder', () => {
    assert.deepEqual(acts(plan(snapshot({ local: [emptyDir('e')], base: [dirRecord('e')] }), options('push', { force: true }))), ['upload e/']);
  });
});

describe('dir entries: kinds changing at one path', () => {
  test('a file where a folder was recorded is decided by the file rules, the record replaced', () => {
    const f = file('x', 'now a file');
    const p = plan(snapshot({ local: [f.local()], base: [dirRecord('x')] }), options('sync'));
    assert.deepEqual(acts(p), ['upload x']);
    // Gone everywhere: the stale record is dropped.
    assert.deepEqual(acts(plan(snapshot({ base: [dirRecord('x')] }), options('sync'))), ['forget x/']);
  });

  test('an empty folder where a file was recorded: the marker is put, the file record replaced', () => {
    const f = file('x', 'was a file');
    const p = plan(snapshot({ local: [emptyDir('x')], base: [f.base()] }), options('sync'));
    assert.deepEqual(acts(p), ['upload x/']);
  });

  test('an empty folder here and a file of the same name there is a name problem, not a conflict', () => {
    const check = checkNames({ local: [], remote: ['x'], localDirs: ['x'], remoteDirs: [], fs: CASE_AND_FORM_SENSITIVE });
    assert.equal(check.problems[0]?.kind, 'file-folder');
    assert.ok(check.paths.has('x'));
  });

  test('folder markers whose key would be too long are refused like files', () => {
    const check = checkNames({ local: [], remote: [], localDirs: ['a'.repeat(10)], fs: CASE_AND_FORM_SENSITIVE, keyPrefixBytes: 0, maxKeyBytes: 10 });
    assert.equal(check.problems[0]?.kind, 'too-long');
  });
});

test('no combination of dir states is ever a conflict, and the plan is deterministic', () => {
  const f = file('d/f.txt', 'f');
  const locals: LocalEntry[][] = [[], [emptyDir('d')], [f.local()]];
  const bases: BaseEntry[][] = [[], [dirRecord('d')], [dirRecord('d', true)], [dirRecord('d'), f.base()]];
  const remotes: RemoteEntry[][] = [[], [marker('d')], [marker('d', 'changed')], [f.remote()], [marker('d'), f.remote()]];
  for (const local of locals)
    for (const base of bases)
      for (const remote of remotes)
        for (const mode of ['sync', 'push', 'pull'] as const) {
          const s = snapshot({ local, base, remote });
          const p = plan(s, options(mode));
          assert.deepEqual(p.conflicts.filter((c) => c.path === 'd'), [], JSON.stringify({ local, base, remote, mode }));
          assert.deepEqual(plan(snapshot({ local: [...local].reverse(), base: [...base].reverse(), remote: [...remote].reverse() }), options(mode)), p);
        }
});
