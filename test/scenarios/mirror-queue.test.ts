/**
 * Mirrors from a long-running process (app/mirror-queue.ts, what `watch` calls after each batch):
 * each mirror its own queue and retries, a report per remote; and `remote list`'s pending changes,
 * judged locally against each remote's base state.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { closeMirrors, openMirrors, pushMirrors, type MirrorReport } from '../../src/app/mirror-queue.js';
import type { RemoteHook } from '../../src/app/session.js';
import { withFaults } from '../../src/remote/wrap/faults.js';

const made: string[] = [];
after(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

async function lsync(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd, env: {} });
  return { code, stdout, stderr };
}

/** A repository on a file:// origin with the file:// mirrors `near` and `far`. */
async function setup(): Promise<{ dir: string; near: string; far: string; origin: string }> {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-mq-'));
  made.push(tmp);
  const [dir, origin, near, far] = ['work', 'origin', 'near', 'far'].map((n) => join(tmp, n)) as [string, string, string, string];
  for (const d of [dir, origin, near, far]) await mkdir(d);
  assert.equal((await lsync(dir, 'init', `file://${origin}`)).code, 0);
  assert.equal((await lsync(dir, 'remote', 'add', 'near', `file://${near}`)).code, 0);
  assert.equal((await lsync(dir, 'remote', 'add', 'far', `file://${far}`)).code, 0);
  return { dir, near, far, origin };
}

test('pushMirrors: each mirror its own queue; one that is down is retried on its own and then gets only what it lacks', async () => {
  const { dir, near, far } = await setup();
  let farDown = true;
  // While "down", every write to far fails; the session reopens the remote for each run.
  const hook: RemoteHook = (name, remote) => (name === 'far' && farDown ? withFaults(remote, { rules: [{ op: 'put', path: (p) => !p.startsWith('.lsync/'), fault: { type: 'fail', kind: 'permanent' } }] }) : remote);
  const reports: MirrorReport[] = [];
  let farDone: (r: MirrorReport) => void = () => undefined;
  const farRecovered = new Promise<MirrorReport>((resolve) => (farDone = resolve));
  const stop = new AbortController();
  const mirrors = await openMirrors({
    root: dir,
    concurrency: 2,
    signal: stop.signal,
    remoteHook: hook,
    onReport: (r) => {
      reports.push(r);
      if (r.remote === 'far' && r.state === 'done') farDone(r);
    },
  });
  try {
    await writeFile(join(dir, 'a.txt'), 'aaaa');
    await writeFile(join(dir, 'b.txt'), 'bbbbbbbb');
    const first = await pushMirrors(mirrors, ['a.txt', 'b.txt']);
    const byName = Object.fromEntries(first.map((r) => [r.remote, r]));
    assert.equal(byName['near']?.state, 'done');
    assert.equal(byName['near']?.uploaded, 2);
    assert.equal(byName['near']?.bytes, 12);
    assert.equal(byName['far']?.state, 'failed');
    assert.ok((byName['far']?.retryInMs ?? 0) > 0, 'a failed mirror says when it is tried again');
    assert.equal(await readFile(join(near, 'b.txt'), 'utf8'), 'bbbbbbbb');
    assert.ok(!existsSync(join(far, 'a.txt')));

    // The next batch reaches near at once, whatever far does; far waits for its retry.
    await writeFile(join(dir, 'c.txt'), 'cc');
    const second = await pushMirrors(mirrors, ['c.txt']);
    assert.deepEqual(second.map((r) => [r.remote, r.state]).sort(), [['far', 'waiting'], ['near', 'done']]);
    assert.equal(second.find((r) => r.remote === 'near')?.bytes, 2);

    // far comes back: its own retry (no new batch) sends everything it lacks, once.
    farDown = false;
    const recovered = await farRecovered;
    assert.equal(recovered.uploaded, 3);
    assert.equal(recovered.bytes, 14);
    assert.deepEqual([await readFile(join(far, 'a.txt'), 'utf8'), await readFile(join(far, 'c.txt'), 'utf8')], ['aaaa', 'cc']);
    const again = await pushMirrors(mirrors, ['a.txt', 'b.txt', 'c.txt']);
    assert.deepEqual(again.map((r) => [r.remote, r.state, r.bytes]).sort(), [['far', 'done', 0], ['near', 'done', 0]]);
    assert.ok(reports.some((r) => r.remote === 'far' && r.state === 'failed'));
  } finally {
    stop.abort();
    await closeMirrors(mirrors);
  }
});

test('remote list: pending changes per remote, judged locally against each base (no network)', async () => {
  const { dir, near, origin } = await setup();
  await writeFile(join(dir, 'keep.txt'), 'kept');
  await writeFile(join(dir, 'old.txt'), 'to be renamed, long enough');
  await writeFile(join(dir, 'gone.txt'), 'to be deleted');
  assert.equal((await lsync(dir, 'push', '--all')).code, 0);
  await rename(join(dir, 'old.txt'), join(dir, 'new.txt'));
  await rm(join(dir, 'gone.txt'));
  await writeFile(join(dir, 'added.txt'), '0123456789');
  assert.equal((await lsync(dir, 'push', '--to', 'near')).code, 0);
  // Neither origin nor far is asked: both folders could be gone.
  await rename(origin, `${origin}.away`);
  const list = await lsync(dir, 'remote', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  const rows = (JSON.parse(list.stdout) as { remotes: { name: string; pending: Record<string, number> }[] }).remotes;
  const pending = Object.fromEntries(rows.map((r) => [r.name, r.pending]));
  const expected = { uploads: 1, bytes: 10, moves: 1, deletes: 1 };
  assert.deepEqual(pending, { origin: expected, near: { uploads: 0, bytes: 0, moves: 0, deletes: 0 }, far: expected });
  const text = await lsync(dir, 'remote', 'list');
  assert.match(text.stdout, /^far\tfile:\/\/\S+\tmirror\t\S+\tpending: 1 to upload \(10 B\), 1 move, 1 delete$/m);
  assert.match(text.stdout, /^near\t.*\tup to date$/m);
  assert.ok(existsSync(join(near, 'new.txt')));
  // --names (what shell completion asks on each TAB): the names alone, in the config's order.
  const names = await lsync(dir, 'remote', 'list', '--names');
  assert.equal(names.code, 0, names.stderr);
  assert.equal(names.stdout, rows.map((r) => `${r.name}\n`).join(''));
  const namesJson = await lsync(dir, 'remote', 'list', '--names', '--json');
  assert.deepEqual(JSON.parse(namesJson.stdout), { type: 'remote-names', names: rows.map((r) => r.name) });
});

test('remote list --names reads only the config: it answers where counting pending changes cannot', async () => {
  const { dir } = await setup();
  // Counting far's pending changes reads its database (and walks the tree); a damaged one stops it.
  await mkdir(join(dir, '.lsync', 'remotes', 'far'), { recursive: true });
  await writeFile(join(dir, '.lsync', 'remotes', 'far', 'index.yaml'), 'version: 1\nentries: [oops\n');
  const full = await lsync(dir, 'remote', 'list');
  const names = await lsync(dir, 'remote', 'list', '--names');
  assert.equal(names.code, 0, names.stderr);
  assert.deepEqual(names.stdout.split('\n').sort(), ['', 'far', 'near', 'origin']);
  assert.notEqual(full.code, 0, `plain remote list reads far's database: ${full.stdout}`);
});
