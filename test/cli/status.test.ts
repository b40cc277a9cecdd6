/**
 * `lsync status` reads like `git status` (issue 14): grouped (to push, to pull, conflicts, left
 * out) with counts and sizes, paths relative to the current folder, and one closing line naming
 * the command to run next. `status --json` keeps its shape and adds `next`.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SyncOutcome } from '../../src/app/sync.js';
import { nextStep, shellWord } from '../../src/cli/render/next.js';
import { runCli } from './run.js';

/** A synced repository, then changes on both sides and one conflict. */
async function bothSides(): Promise<{ work: string; remote: string }> {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-status-'));
  const work = join(tmp, 'work');
  const remote = join(tmp, 'remote');
  await mkdir(join(work, 'docs'), { recursive: true });
  await writeFile(join(work, 'docs', 'a.md'), 'a');
  await writeFile(join(work, 'budget.csv'), 'q1,10\n');
  assert.equal((await runCli(['init', `file://${remote}`, '--create-bucket'], work)).code, 0);
  assert.equal((await runCli(['push'], work)).code, 0);
  await writeFile(join(work, 'docs', 'a.md'), 'a, edited here');
  await writeFile(join(work, 'docs', 'new.md'), 'x'.repeat(2048));
  await writeFile(join(remote, 'docs', 'theirs.md'), 'y'.repeat(3072));
  await writeFile(join(work, 'budget.csv'), 'q1,10\nq2,20\n');
  await writeFile(join(remote, 'budget.csv'), 'q1,12\nq2,25\nq3,30\n');
  return { work, remote };
}

test('status with changes on both sides: groups with counts and sizes, then what to run next', async () => {
  const { work } = await bothSides();
  const st = await runCli(['status'], work);
  assert.equal(st.code, 3, st.stderr);
  const lines = st.stdout.trimEnd().split('\n').slice(1);
  assert.deepEqual(lines, [
    'To push (2 changes, 2.0 KiB):',
    '  upload         docs/a.md',
    '  upload         docs/new.md',
    'To pull (1 change, 3.0 KiB):',
    '  download       docs/theirs.md',
    'Conflicts (1, changed on both sides; nothing is done to them):',
    '  both modified  budget.csv',
    '',
    'next: settle the conflict with lsync resolve budget.csv --keep local|remote|both, then run lsync sync',
  ]);

  // Settled: the hint moves on to the sync; synced: nothing left to say.
  assert.equal((await runCli(['resolve', 'budget.csv', '--keep', 'local'], work)).code, 0);
  const after = await runCli(['status'], work);
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stdout, /\nnext: run lsync sync\n$/);
  assert.equal((await runCli(['sync'], work)).code, 0);
  const done = await runCli(['status'], work);
  assert.equal(done.stdout.split('\n').slice(1).join('\n'), 'Everything up to date.\n');
});

test('from a subfolder: paths relative to it, in the groups and in the hint', async () => {
  const { work } = await bothSides();
  const st = await runCli(['status'], join(work, 'docs'));
  assert.equal(st.code, 3, st.stderr);
  assert.match(st.stdout, /^ {2}upload +a\.md$/m);
  assert.match(st.stdout, /^ {2}upload +new\.md$/m);
  assert.match(st.stdout, /^ {2}download +theirs\.md$/m);
  assert.match(st.stdout, /^ {2}both modified +\.\.\/budget\.csv$/m);
  assert.match(st.stdout, /^next: settle the conflict with lsync resolve \.\.\/budget\.csv --keep local\|remote\|both, then run lsync sync$/m);
  // Paths given: the next command takes the same ones.
  const some = await runCli(['status', '.'], join(work, 'docs'));
  assert.equal(some.code, 0, some.stderr);
  assert.match(some.stdout, /\nnext: run lsync sync \.\n$/);
});

test('status --json: one object, the same fields as before, plus next', async () => {
  const { work } = await bothSides();
  const st = await runCli(['status', '--json'], join(work, 'docs'));
  assert.equal(st.code, 3);
  const obj = JSON.parse(st.stdout) as Record<string, unknown>;
  for (const key of ['type', 'dryRun', 'remote', 'actions', 'conflicts', 'pending', 'refusals', 'names', 'summary', 'warnings']) assert.ok(key in obj, key);
  assert.deepEqual(obj['conflicts'], [{ path: 'budget.csv', reason: 'both-modified' }], 'repository-relative, as before');
  assert.equal(obj['next'], 'settle the conflict with lsync resolve budget.csv --keep local|remote|both, then run lsync sync');
});

/** A plan as the hint sees it: only the fields it reads. */
function outcome(over: { moving?: boolean; conflicts?: string[]; deletes?: number; pending?: 'local' | 'remote'; names?: number }): SyncOutcome {
  const plan = {
    actions: [],
    conflicts: [],
    settled: [],
    pending: over.pending !== undefined ? [{ path: 'p', side: over.pending, change: 'modified' }] : [],
    refusals: over.deletes !== undefined ? [{ kind: 'max-delete', message: 'm', deletes: over.deletes, total: 20 }] : [],
  };
  return {
    remote: 'file:///r',
    plan,
    actions: over.moving === true ? [{ type: 'upload', path: 'x' }] : [],
    conflicts: (over.conflicts ?? []).map((path) => ({ path, reason: 'both-modified' })),
    names: Array.from({ length: over.names ?? 0 }, () => ({ kind: 'too-long', path: 'n', message: 'm' })),
    baseSize: 0,
  } as unknown as SyncOutcome;
}

test('the hint: one line for each situation, in order of what must come first', () => {
  const status = { verb: 'status', dryRun: false, paths: [] } as const;
  assert.equal(nextStep(outcome({}), status), undefined);
  assert.equal(nextStep(outcome({ moving: true }), status), 'run lsync sync');
  assert.equal(nextStep(outcome({ moving: true }), { ...status, paths: ['my notes/', 'docs'] }), "run lsync sync 'my notes/' docs");
  assert.equal(nextStep(outcome({ moving: true }), { ...status, remoteName: 'backup' }), 'run lsync push --to backup');
  assert.equal(nextStep(outcome({ moving: true }), { verb: 'push', dryRun: true, paths: [] }), 'run the same command without --dry-run to do it');
  assert.equal(nextStep(outcome({ moving: true, deletes: 15 }), status), 'if those deletions are meant, run lsync sync --max-delete 15');
  assert.equal(
    nextStep(outcome({ conflicts: ['a', 'b', 'c', 'd'] }), status),
    'settle the conflicts with lsync resolve <path>... --keep local|remote|both',
  );
  assert.equal(nextStep(outcome({ conflicts: ['a b'] }), { ...status, show: (p) => `../${p}` }), "settle the conflict with lsync resolve '../a b' --keep local|remote|both");
  assert.equal(nextStep(outcome({ pending: 'remote' }), { verb: 'push', dryRun: true, paths: [] }), 'run lsync pull to take the changes this command leaves alone');
  assert.match(nextStep(outcome({ names: 2 }), status) ?? '', /^rename the left-out names/);
  assert.equal(shellWord("it's"), "'it'\\''s'");
});
