/**
 * Pathspecs as git users type them (issue 11, defect 7): one that matches nothing is an error
 * naming it (exit 2, nothing done); globs (`'docs/*.md'`) limit the work to what they match, on
 * the remote too; printed paths are relative to the current folder, so they paste back.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './run.js';

async function repo(): Promise<{ work: string; remote: string }> {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-spec-'));
  const work = join(tmp, 'work');
  const remote = join(tmp, 'remote');
  await mkdir(join(work, 'docs', 'sub'), { recursive: true });
  await writeFile(join(work, 'docs', 'a.md'), 'a');
  await writeFile(join(work, 'docs', 'b.txt'), 'b');
  await writeFile(join(work, 'docs', 'sub', 'c.md'), 'c');
  await writeFile(join(work, 'top.md'), 't');
  const r = await runCli(['init', `file://${remote}`, '--create-bucket'], work);
  assert.equal(r.code, 0, r.stderr);
  return { work, remote };
}

async function remoteFiles(remote: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(remote, dir), { withFileTypes: true })) {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.name.startsWith('.lsync')) continue;
    if (e.isDirectory()) out.push(...(await remoteFiles(remote, rel)));
    else out.push(rel);
  }
  return out.sort();
}

test('a pathspec that matches nothing: exit 2, named, nothing pushed', async () => {
  const { work, remote } = await repo();
  const r = await runCli(['push', 'nosuch.txt'], work);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /pathspec 'nosuch\.txt' did not match any file/);
  assert.deepEqual(await remoteFiles(remote), []);
  const g = await runCli(['push', 'docs/*.pdf'], work);
  assert.equal(g.code, 2);
  assert.match(g.stderr, /pathspec 'docs\/\*\.pdf' did not match/);
});

test("a glob pushes only what it matches: lsync push 'docs/*.md'", async () => {
  const { work, remote } = await repo();
  const r = await runCli(['push', 'docs/*.md'], work);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await remoteFiles(remote), ['docs/a.md']);
  const all = await runCli(['push', '**/*.md'], work);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(await remoteFiles(remote), ['docs/a.md', 'docs/sub/c.md', 'top.md']);
});

test('a glob matches files that exist only on the remote (pull)', async () => {
  const { work, remote } = await repo();
  assert.equal((await runCli(['push'], work)).code, 0);
  await writeFile(join(remote, 'docs', 'new.md'), 'n');
  await writeFile(join(remote, 'docs', 'new.txt'), 'n');
  const r = await runCli(['pull', 'docs/*.md'], work);
  assert.equal(r.code, 0, r.stderr);
  const local = await readdir(join(work, 'docs'));
  assert.ok(local.includes('new.md'));
  assert.ok(!local.includes('new.txt'), 'not matched, not pulled');
});

test('from a subfolder, printed paths are relative to it and paste back into the next command', async () => {
  const { work } = await repo();
  const sub = join(work, 'docs');
  const st = await runCli(['status'], sub);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, /^ {2}upload +a\.md$/m);
  assert.match(st.stdout, /^ {2}upload +\.\.\/top\.md$/m);
  assert.match(st.stdout, /^ {2}upload +sub\/c\.md$/m);
  const r = await runCli(['push', 'sub/c.md'], sub);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^uploaded +sub\/c\.md$/m);
  const json = await runCli(['status', '--json'], sub);
  const obj = JSON.parse(json.stdout) as { actions: { path: string }[] };
  assert.ok(obj.actions.some((a) => a.path === 'docs/a.md'), '--json keeps repository-relative paths');
});
