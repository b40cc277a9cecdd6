/**
 * Errors name the thing and the fix, with the right exit code (issue 11, defects 8 and 10, and
 * the one error table): a bad remote in config.yaml, an endpoint without its scheme, no
 * credentials, an unknown profile, nothing listening, a missing bucket inside a repository;
 * `status --json` prints one object on stdout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { mkdtemp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { explain } from '../../src/cli/exit.js';
import { RemoteError } from '../../src/remote/remote.js';
import { runCli } from './run.js';

const bin = fileURLToPath(new URL('../../../bin/lsync.js', import.meta.url));

async function fileRepo(): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-err-'));
  const work = join(tmp, 'work');
  await mkdir(work);
  const r = await runCli(['init', `file://${join(tmp, 'remote')}`, '--create-bucket'], work);
  assert.equal(r.code, 0, r.stderr);
  return work;
}

test('a bad remote: in config.yaml is a configuration error (exit 2) naming the file, not a bug', async () => {
  const work = await fileRepo();
  const file = join(work, '.lsync', 'config.yaml');
  const text = await readFile(file, 'utf8');
  const broken = text.replace(/^(\s*(?:remote|url): ).*$/m, '$1ftp://example.com/x');
  assert.notEqual(broken, text, text);
  await writeFile(file, broken);
  const r = await runCli(['status'], work);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /config\.yaml: "(remotes\.origin\.url|remote)"/);
  assert.doesNotMatch(r.stderr, /internal error|bug in lsync/);
});

test('--endpoint without a scheme: exit 2, names --endpoint and the fix', async () => {
  const r = await runCli(['status', '--endpoint', '127.0.0.1:5077']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--endpoint "127\.0\.0\.1:5077" is not an http\(s\) URL/);
  assert.match(r.stderr, /--endpoint http:\/\/127\.0\.0\.1:5077/);
  assert.doesNotMatch(r.stderr, /Invalid URL/);
});

test('status --json: stdout is exactly one JSON object; warnings go to stderr (and into the object)', async () => {
  const work = await fileRepo();
  await writeFile(join(work, 'a.txt'), 'a');
  await symlink('a.txt', join(work, 'link'));
  const r = await runCli(['status', '--json'], work);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  const obj = JSON.parse(lines[0] ?? '') as { type: string; warnings: string[] };
  assert.equal(obj.type, 'status');
  assert.ok(obj.warnings.length > 0, 'the link warning is in the object');
  assert.match(r.stderr, /^warning: .*link/m);
});

const run = promisify(execFile);

/** bin/lsync.js in a child: the SDK reads credentials from the process environment. */
async function child(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const home = await mkdtemp(join(tmpdir(), 'lsync-home-'));
  try {
    // Killed after a minute: a command that waits for ever fails its test instead of hanging it.
    await run(process.execPath, [bin, ...args], { cwd: home, env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env }, timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (e) {
    const x = e as { code: number; stderr: string };
    return { code: x.code, stderr: x.stderr };
  }
}

test('no credentials at all: says none were found and where it looked, not "refused"', async () => {
  const r = await child(['init', 's3://bkt', '--endpoint', 'http://127.0.0.1:1'], {});
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no AWS credentials found \(looked at --profile/);
  assert.doesNotMatch(r.stderr, /refused/);
});

test('an unknown profile is named, from --profile and from AWS_PROFILE', async () => {
  const a = await child(['init', 's3://bkt', '--endpoint', 'http://127.0.0.1:1', '--profile', 'nosuch'], {});
  assert.match(a.stderr, /AWS profile "nosuch" not found/);
  const b = await child(['init', 's3://bkt', '--endpoint', 'http://127.0.0.1:1'], { AWS_PROFILE: 'other' });
  assert.match(b.stderr, /AWS profile "other" not found/);
});

test('nothing listening at the endpoint: hint says check --endpoint', async () => {
  const r = await child(['init', 's3://bkt', '--endpoint', 'http://127.0.0.1:1'], { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /hint: nothing answered there: check --endpoint/);
  assert.doesNotMatch(r.stderr, /run the command again/);
});

test('a server that accepts and never answers: the request is cut after LSYNC_TIMEOUT, not waited on for ever', async () => {
  // Accepts every connection, reads what it is sent, writes nothing back.
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.resume();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  try {
    const started = Date.now();
    const r = await child(['init', 's3://bkt', '--endpoint', `http://127.0.0.1:${port}`], { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', LSYNC_TIMEOUT: '1' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^lsync: cannot reach s3:\/\/bkt: no answer for 1 s \(LSYNC_TIMEOUT sets how long to wait\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    // Retries included, far below the 60 s default (and before the test runner's own timeout).
    assert.ok(Date.now() - started < 45_000, `gave up after ${Date.now() - started} ms`);
    assert.ok(sockets.length > 0, 'the server was reached');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('a missing bucket: inside a repository the hint is a command that works there', () => {
  const e = new RemoteError('no-bucket', 'bucket "bkt" does not exist');
  assert.match(explain(e, { command: 'sync' }).hint ?? '', /lsync init <remote> --create-bucket --force/);
  assert.match(explain(e, { command: 'init' }).hint ?? '', /add --create-bucket/);
  assert.equal(explain(e, { command: 'sync' }).code, 1);
});

test('the error table: lsync errors by code, anything else is a bug (exit 1)', () => {
  assert.equal(explain(new RemoteError('auth', 'x')).code, 1);
  const bug = explain(new TypeError('boom'));
  assert.equal(bug.bug, true);
  assert.match(bug.message, /internal error: boom/);
});
