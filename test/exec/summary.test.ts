/**
 * Issue 11 defect 4: the text summary counts what was done, never what was planned. A run where
 * one upload fails (a fault at lsync's own Remote interface, over a real file:// remote) and one is
 * skipped by the overwrite guard (the file changed after the scan): the text and the --json
 * summary say the same, and both say what happened.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SyncOutcome } from '../../src/app/sync.js';
import { takeSnapshot } from '../../src/app/snapshot.js';
import { summaryJson, summaryLines } from '../../src/cli/render/summary.js';
import { plan } from '../../src/core/plan.js';
import { execute } from '../../src/exec/executor.js';
import type { EngineEvent } from '../../src/exec/events.js';
import { Trash } from '../../src/exec/localfs.js';
import { openRemote, parseRemoteUrl } from '../../src/remote/open.js';
import { withFaults } from '../../src/remote/wrap/faults.js';
import { openDatabase } from '../../src/state/db.js';

const made: string[] = [];
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

test('a failed upload and a skipped one are not counted as uploaded, in text as in --json', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-summary-'));
  made.push(tmp);
  const root = join(tmp, 'repo');
  const metaDir = join(root, '.lsync');
  await mkdir(metaDir, { recursive: true });
  await mkdir(join(tmp, 'remote'));
  const remote = await openRemote(parseRemoteUrl(`file://${join(tmp, 'remote')}`), {});
  const db = await openDatabase(metaDir);
  for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) await writeFile(join(root, name), `content of ${name}`);

  const snapshot = await takeSnapshot({ root, remote, base: db.entries, scopes: [], useGitignore: false, concurrency: 4, emit: () => undefined });
  const p = plan(snapshot, { mode: 'sync', force: false, mirror: false, maxDeleteShare: 0.5, maxDeleteFloor: 10 });
  assert.deepEqual(p.actions.map((a) => `${a.type} ${a.path}`), ['upload a.txt', 'upload b.txt', 'upload c.txt', 'upload d.txt']);
  // b.txt: the remote refuses it for good; c.txt: edited after the scan (the guard skips it).
  const faulty = withFaults(remote, { rules: [{ op: 'put', path: 'b.txt', fault: { type: 'fail', kind: 'permanent' } }] });
  await appendFile(join(root, 'c.txt'), ' and an edit made while lsync works');
  const events: EngineEvent[] = [];
  const result = await execute(p.actions, { root, metaDir, remote: faulty, db, trash: new Trash(root, join(metaDir, 'trash', 't')), emit: (e) => events.push(e), concurrency: 2 });
  assert.equal(result.done, 2);
  assert.equal(result.failed, 1);
  assert.equal(result.skipped, 1);

  const outcome: SyncOutcome = { remote: 'test', plan: p, actions: p.actions, conflicts: [], names: [], result, baseSize: 0 };
  const lines = summaryLines(outcome, 1, false);
  const json = summaryJson(outcome, 1);
  assert.match(lines[0] ?? '', /^uploaded 2; /, lines.join('\n'));
  assert.ok(lines.includes('1 failed (see the errors above)'), lines.join('\n'));
  assert.ok(lines.includes('1 skipped (see the lines above)'), lines.join('\n'));
  // --json says the same: planned 4, done 2 (2 uploads), 1 failed, 1 skipped.
  assert.deepEqual(json['planned'], { upload: 4 });
  assert.deepEqual(json['doneByType'], { upload: 2 });
  assert.equal(json['done'], 2);
  assert.equal(json['failed'], 1);
  assert.equal(json['skipped'], 1);
  // ...and so do the events the text reporter prints line by line.
  assert.deepEqual(events.filter((e) => e.type === 'done').map((e) => (e.type === 'done' ? e.path : '')).sort(), ['a.txt', 'd.txt']);
  await Promise.all([remote.close(), db.close()]);
});

test('a run where nothing planned got done says so, not "Everything up to date"', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-summary-'));
  made.push(tmp);
  const root = join(tmp, 'repo');
  const metaDir = join(root, '.lsync');
  await mkdir(metaDir, { recursive: true });
  await mkdir(join(tmp, 'remote'));
  const remote = await openRemote(parseRemoteUrl(`file://${join(tmp, 'remote')}`), {});
  const db = await openDatabase(metaDir);
  await writeFile(join(root, 'only.txt'), 'x');
  const snapshot = await takeSnapshot({ root, remote, base: db.entries, scopes: [], useGitignore: false, concurrency: 4, emit: () => undefined });
  const p = plan(snapshot, { mode: 'sync', force: false, mirror: false, maxDeleteShare: 0.5, maxDeleteFloor: 10 });
  const faulty = withFaults(remote, { rules: [{ op: 'put', fault: { type: 'fail', kind: 'permanent' } }] });
  const result = await execute(p.actions, { root, metaDir, remote: faulty, db, trash: new Trash(root, join(metaDir, 'trash', 't')), emit: () => undefined, concurrency: 2 });
  const lines = summaryLines({ remote: 'test', plan: p, actions: p.actions, conflicts: [], names: [], result, baseSize: 0 }, 1, false);
  assert.match(lines[0] ?? '', /^nothing done; /, lines.join('\n'));
  assert.ok(lines.includes('1 failed (see the errors above)'));
  await Promise.all([remote.close(), db.close()]);
});
