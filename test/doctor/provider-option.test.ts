/** `--provider` on init, clone and `remote add`: stored as the remote's `provider`; unknown names refused in one line. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../cli/run.js';
import { startServer } from '../support/servers.js';
import { runCli as runProcess } from '../support/world.js';

async function repo(...extra: string[]): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-provider-'));
  const work = join(tmp, 'work');
  await mkdir(work);
  const r = await runCli(['init', `file://${join(tmp, 'remote')}`, '--create-bucket', ...extra], work);
  assert.equal(r.code, 0, r.stderr);
  return work;
}

test('init --provider records the row; remote add takes an alias and records its canonical name', async () => {
  const work = await repo('--provider', 'wasabi');
  const file = join(work, '.lsync', 'config.yaml');
  assert.match(await readFile(file, 'utf8'), /^ {4}provider: wasabi$/m);
  // remote add checks the mirror as init checks origin, so it needs a bucket that answers.
  const server = await startServer('s3rver');
  try {
    const bucket = await server.createBucket();
    const args = ['remote', 'add', 'backup', `s3://${bucket}/photos`, '--endpoint', server.endpoint, '--provider', 'Cloudflare'];
    // A child process: the AWS chain reads the server's credentials from its environment.
    const r = await runProcess(work, args, server.env);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await server.stop();
  }
  assert.match(await readFile(file, 'utf8'), /backup:\n(?: {4}.*\n)* {4}provider: r2$/m);
});

test('an unknown --provider: exit 2, one line listing the allowed values', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-provider-'));
  const r = await runCli(['init', 's3://bkt/p', '--provider', 'dropbox'], tmp);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--provider "dropbox" is not one lsync knows/);
  assert.match(r.stderr, /aws, r2, b2, wasabi, minio, ceph, gcs, garage, other/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('an unknown provider in config.yaml is a configuration error naming the allowed values', async () => {
  const work = await repo();
  const file = join(work, '.lsync', 'config.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace(/^( {4}url: .*)$/m, '$1\n    provider: dropbox'));
  const r = await runCli(['status'], work);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /provider" must be one of aws, r2, b2/);
});
