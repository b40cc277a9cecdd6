/**
 * Several remotes across providers (issue 16): origin on s3rver, a mirror on moto, a mirror in a
 * file:// folder. `push --all` reaches all three; a rename reaches the S3 mirror as a server-side
 * copy (its requests counted); a mirror that fails does not hold back the others and later
 * receives only what it lacks (bytes counted); a pull never opens a mirror.
 *
 * The CLI runs in-process (main), so that each remote, as the session opens it, can be watched
 * (request counters) or given faults (src/remote/wrap/faults.ts): never a mock of the S3 client.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { RemoteHook } from '../../src/app/session.js';
import { setRemoteOptions } from '../../src/state/config-edit.js';
import { withFaults, type FaultRule } from '../../src/remote/wrap/faults.js';
import { countRequests } from '../support/requests.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer, type ServerInfo } from '../support/servers.js';

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function lsync(cwd: string, args: string[], remoteHook?: RemoteHook): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    env: process.env,
    ...(remoteHook !== undefined ? { remoteHook } : {}),
  });
  return { code, stdout, stderr };
}

function lines(r: Ran): Record<string, unknown>[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The summary line of one remote in a `--all --json` run. */
function summaryOf(r: Ran, name: string): Record<string, unknown> {
  const s = lines(r).find((l) => l['type'] === 'summary' && l['remoteName'] === name);
  assert.ok(s, `no summary for ${name} in ${r.stdout}\n${r.stderr}`);
  return s;
}

/** Request counts by SDK command per remote name, for the S3 remotes a run opens. */
function counting(): { hook: RemoteHook; counts: Map<string, Map<string, number>>; opened: string[] } {
  const counts = new Map<string, Map<string, number>>();
  const opened: string[] = [];
  return {
    counts,
    opened,
    hook: (name, remote) => {
      opened.push(name);
      if (Reflect.get(remote, 'client') !== undefined) counts.set(name, countRequests(remote));
      return remote;
    },
  };
}

const haveMoto = serverKinds().includes('moto');

describe('mirrors across providers: origin on s3rver, a mirror on moto, a mirror on file://', { skip: haveMoto ? false : 'moto_server is not installed' }, () => {
  const s3rver = useServer('s3rver');
  const moto = useServer('moto');
  const saved = { ...process.env };
  let tmp = '';
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lsync-mirrors-'));
    // Credentials are read by the SDK from the environment: s3rver checks them, moto takes any.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', LSYNC_S3_PROVIDER: 's3rver' });
    delete process.env['AWS_ENDPOINT_URL_S3'];
    delete process.env['AWS_ENDPOINT_URL'];
  });
  after(async () => {
    process.env = saved;
    await rm(tmp, { recursive: true, force: true });
  });

  let n = 0;
  /** A repository with origin on s3rver and the mirrors `cloud` (moto) and `nas` (file://). */
  async function setup(): Promise<{ dir: string; nas: string; cloud: { server: ServerInfo; bucket: string; prefix: string } }> {
    const root = join(tmp, `case${++n}`);
    const dir = join(root, 'work');
    const nas = join(root, 'nas');
    await mkdir(dir, { recursive: true });
    await mkdir(nas);
    const originBucket = await s3rver().createBucket();
    const cloudBucket = await moto().createBucket();
    const init = await lsync(dir, ['init', `s3://${originBucket}/team`, '--endpoint', s3rver().endpoint]);
    assert.equal(init.code, 0, init.stderr);
    const add = await lsync(dir, ['remote', 'add', 'cloud', `s3://${cloudBucket}/backup`, '--endpoint', moto().endpoint, '--provider', 'moto']);
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await lsync(dir, ['remote', 'add', 'nas', `file://${nas}`])).code, 0);
    return { dir, nas, cloud: { server: moto(), bucket: cloudBucket, prefix: 'backup/' } };
  }

  async function write(dir: string, path: string, data: string | Buffer): Promise<void> {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }

  /** What the moto mirror holds: path → size (lsync's own .lsync/ left out). */
  async function cloudObjects(c: { server: ServerInfo; bucket: string; prefix: string }): Promise<Record<string, number>> {
    const remote = s3RemoteOn(c.server, { bucket: c.bucket, prefix: c.prefix });
    const out: Record<string, number> = {};
    try {
      for await (const o of remote.list('')) if (!o.path.startsWith('.lsync/')) out[o.path] = o.size;
    } finally {
      await remote.close();
    }
    return out;
  }

  test('push --all reaches origin and both mirrors; a rename reaches the S3 mirror as a server-side copy', async () => {
    const { dir, nas, cloud } = await setup();
    const big = randomBytes(300_000);
    await write(dir, 'a.txt', 'alpha');
    await write(dir, 'docs/b.md', 'bravo, a little longer');
    await write(dir, 'big.bin', big);
    const first = await lsync(dir, ['push', '--all', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const all = lines(first).find((l) => l['type'] === 'remotes');
    assert.deepEqual(all?.['remotes'], [
      { name: 'origin', role: 'origin', exitCode: 0 },
      { name: 'cloud', role: 'mirror', exitCode: 0 },
      { name: 'nas', role: 'mirror', exitCode: 0 },
    ]);
    assert.deepEqual(await cloudObjects(cloud), { 'a.txt': 5, 'big.bin': 300_000, 'docs/b.md': 22 });
    assert.equal(await readFile(join(nas, 'docs', 'b.md'), 'utf8'), 'bravo, a little longer');
    assert.deepEqual(await readFile(join(nas, 'big.bin')), big);
    for (const args of [[], ['--remote', 'cloud'], ['--remote', 'nas']]) {
      const st = await lsync(dir, ['status', '--json', ...args]);
      assert.equal(st.code, 0, st.stderr);
      assert.deepEqual(lines(st)[0]?.['actions'], [], `not clean: status ${args.join(' ')}`);
    }

    await rename(join(dir, 'big.bin'), join(dir, 'moved.bin'));
    const c = counting();
    const moved = await lsync(dir, ['push', '--all', '--json'], c.hook);
    assert.equal(moved.code, 0, moved.stderr);
    const cloudRequests = c.counts.get('cloud');
    assert.ok(cloudRequests !== undefined);
    assert.ok((cloudRequests.get('CopyObjectCommand') ?? 0) >= 1, `no CopyObject: ${JSON.stringify([...cloudRequests])}`);
    assert.equal(cloudRequests.get('PutObjectCommand') ?? 0, 0, 'the renamed file was uploaded again');
    assert.equal(cloudRequests.get('UploadPartCommand') ?? 0, 0);
    for (const name of ['origin', 'cloud', 'nas']) assert.equal(summaryOf(moved, name)['bytesSent'], 0, `${name} was sent bytes for a rename`);
    assert.deepEqual(await cloudObjects(cloud), { 'a.txt': 5, 'moved.bin': 300_000, 'docs/b.md': 22 });
    assert.ok(existsSync(join(nas, 'moved.bin')) && !existsSync(join(nas, 'big.bin')));
  });

  test('a failing mirror holds back no other remote, is named with the fix, and later receives only what it lacks', async () => {
    const { dir, nas, cloud } = await setup();
    await write(dir, 'old.txt', 'already everywhere');
    assert.equal((await lsync(dir, ['push', '--all'])).code, 0);

    const one = randomBytes(70_000);
    const two = randomBytes(130_000);
    await write(dir, 'new/one.bin', one);
    await write(dir, 'new/two.bin', two);
    // The moto mirror stops answering writes for new/two.bin (and is slow): origin and nas must finish anyway.
    const down: FaultRule[] = [
      { op: 'put', path: 'new/two.bin', fault: { type: 'fail', kind: 'permanent' } },
      { op: 'put', fault: { type: 'delay', ms: 1500 } },
    ];
    const failing = await lsync(dir, ['push', '--all', '--json'], (name, remote) => (name === 'cloud' ? withFaults(remote, { rules: down }) : remote));
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stderr, /mirror "cloud" \(s3:\/\/[^)]+\) was not brought up to date/);
    assert.equal(summaryOf(failing, 'origin')['bytesSent'], 200_000);
    assert.equal(summaryOf(failing, 'nas')['bytesSent'], 200_000);
    assert.equal(summaryOf(failing, 'cloud')['bytesSent'], 70_000, 'what the mirror could take, it took');
    // The slow mirror did not hold nas back: nas finished first.
    const order = lines(failing).filter((l) => l['type'] === 'summary').map((l) => l['remoteName']);
    assert.ok(order.indexOf('nas') < order.indexOf('cloud'), `order of finishing: ${order.join(', ')}`);
    assert.deepEqual(await readFile(join(nas, 'new', 'two.bin')), two);
    assert.deepEqual(Object.keys(await cloudObjects(cloud)).sort(), ['new/one.bin', 'old.txt']);

    // Text output names the mirror and the command that catches it up.
    await write(dir, 'new/three.txt', 'three');
    const text = await lsync(dir, ['push', '--all'], (name, remote) => (name === 'cloud' ? withFaults(remote, { rules: [{ op: 'put', fault: { type: 'fail', kind: 'permanent' } }] }) : remote));
    assert.equal(text.code, 1);
    assert.match(text.stderr, /hint: origin, nas finished; once cloud answers again, `lsync push --to cloud`/);

    // Back up: only what it lacks goes to the mirror; origin and nas have nothing to send.
    const back = await lsync(dir, ['push', '--all', '--json']);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(summaryOf(back, 'cloud')['bytesSent'], 130_000 + 5);
    assert.equal(summaryOf(back, 'origin')['bytesSent'], 0);
    assert.equal(summaryOf(back, 'nas')['bytesSent'], 0);
    assert.deepEqual(await cloudObjects(cloud), { 'new/one.bin': 70_000, 'new/three.txt': 5, 'new/two.bin': 130_000, 'old.txt': 18 });
  });

  test('sync --all brings a collaborator\'s change to the mirrors; pull and sync never open a mirror', async () => {
    const { dir, nas, cloud } = await setup();
    await write(dir, 'mine.txt', 'mine');
    assert.equal((await lsync(dir, ['push', '--all'])).code, 0);
    // A collaborator on origin only.
    const other = join(dirname(dir), 'other');
    await mkdir(other);
    const config = await readFile(join(dir, '.lsync', 'config.yaml'), 'utf8');
    const originUrl = /url: (s3:\/\/\S+)/.exec(config)?.[1];
    assert.ok(originUrl !== undefined);
    assert.equal((await lsync(other, ['init', originUrl, '--endpoint', s3rver().endpoint])).code, 0);
    assert.equal((await lsync(other, ['sync'])).code, 0);
    await write(other, 'theirs.txt', 'theirs, longer');
    assert.equal((await lsync(other, ['sync'])).code, 0);

    // Both mirrors unreachable: a pull and a plain sync do not notice (no mirror is opened).
    await setRemoteOptions(join(dir, '.lsync'), 'cloud', { endpoint: 'http://127.0.0.1:9' });
    await rename(nas, `${nas}.unmounted`);
    const c = counting();
    const pull = await lsync(dir, ['pull'], c.hook);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(await readFile(join(dir, 'theirs.txt'), 'utf8'), 'theirs, longer');
    const sync = await lsync(dir, ['sync'], c.hook);
    assert.equal(sync.code, 0, sync.stderr);
    assert.deepEqual([...new Set(c.opened)], ['origin']);

    await setRemoteOptions(join(dir, '.lsync'), 'cloud', { endpoint: moto().endpoint });
    await rename(`${nas}.unmounted`, nas);
    await write(other, 'later.txt', 'later');
    assert.equal((await lsync(other, ['sync'])).code, 0);
    const all = await lsync(dir, ['sync', '--all', '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(await readFile(join(nas, 'later.txt'), 'utf8'), 'later');
    assert.deepEqual(await cloudObjects(cloud), { 'later.txt': 5, 'mine.txt': 4, 'theirs.txt': 14 });
  });
});
