/**
 * Server-side encryption end to end on moto_server (it stores and reports SSE-S3 and SSE-KMS; it
 * accepts SSE-C headers but ignores them, so there the requests themselves are checked, through a
 * recording proxy): a push (small and multipart files), a rename done as a server-side copy, the
 * copy history keeps of an overwritten file, a clone, and a second sync that transfers nothing.
 * Then SSE-KMS behind a proxy whose ETags are not MD5s, as AWS's are under KMS: nothing is sent
 * again, and real changes are still found.
 *
 * s3rver ignores every SSE header (it stores plain objects and reports no encryption), so nothing
 * here runs on it: a pass there would prove nothing.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, ListObjectsV2Command, S3Client, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { countingProxy, type CountingProxy, type SeenRequest } from '../support/requests.js';
import { ownerClient } from '../support/foreign.js';
import { serverKinds, useServer, type ServerInfo } from '../support/servers.js';
import { runCli, type RunResult } from '../support/world.js';
import { startEtagProxy, type EtagProxy } from './etag-proxy.js';

const MiB = 1024 * 1024;
const KEY_VAR = 'LSYNC_TEST_SSE_C_KEY';

interface Mode {
  readonly name: string;
  readonly flags: readonly string[];
  /** What HEAD reports on moto for an object lsync wrote (SSE-C: nothing, moto ignores it). */
  readonly head: Partial<Pick<HeadObjectCommandOutput, 'ServerSideEncryption' | 'SSEKMSKeyId'>>;
  readonly customerKey?: Buffer;
}

const MODES: readonly Mode[] = [
  { name: 'SSE-S3', flags: ['--sse', 'AES256'], head: { ServerSideEncryption: 'AES256' } },
  { name: 'SSE-KMS', flags: ['--sse', 'aws:kms', '--sse-kms-key-id', 'alias/lsync-test'], head: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/lsync-test' } },
  { name: 'SSE-C', flags: ['--sse-c-key-env', KEY_VAR], head: {}, customerKey: randomBytes(32) },
];

async function keys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '');
}

async function cli(cwd: string, env: Record<string, string>, ...args: string[]): Promise<RunResult> {
  const r = await runCli(cwd, args, env);
  assert.equal(r.code, 0, `lsync ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r;
}

/** The plan's counts of a `sync --json` run. */
function plannedSummary(r: RunResult): Record<string, number> {
  const plan = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; summary?: Record<string, number> }).find((e) => e.type === 'plan');
  assert.ok(plan?.summary, r.stdout);
  return plan.summary;
}

/** A second run plans and sends nothing (content identity holds without re-reading anything). */
async function assertNothingToDo(cwd: string, env: Record<string, string>): Promise<void> {
  const r = await cli(cwd, env, 'sync', '--json');
  for (const [k, v] of Object.entries(plannedSummary(r))) assert.equal(v, 0, `${k} in ${r.stdout}`);
}

/** Requests that carry or read an object's bytes or metadata (not listings, deletions, the bucket). */
function objectRequests(seen: readonly SeenRequest[], bucket: string): SeenRequest[] {
  return seen.filter((r) => {
    if (!r.path.startsWith(`/${bucket}/`) || r.method === 'DELETE') return false;
    if (r.method === 'GET' && (r.query.has('list-type') || r.query.has('uploads') || r.query.has('versioning'))) return false;
    return !(r.method === 'POST' && r.query.has('delete'));
  });
}

function md5b64(b: Buffer): string {
  return createHash('md5').update(b).digest('base64');
}

async function work(name: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), `lsync-sse-${name}-`)), 'a');
  await mkdir(dir);
  return dir;
}

if (!serverKinds().includes('moto')) {
  test('server-side encryption on moto', { skip: 'moto_server not on PATH' }, () => undefined);
} else {
  describe('server-side encryption on moto', () => {
    const server = useServer('moto');
    let proxy: CountingProxy;
    let raw: S3Client;
    before(async () => {
      proxy = await countingProxy(server().endpoint);
      raw = ownerClient(server());
    });
    after(async () => {
      raw.destroy();
      await proxy.close();
    });

    for (const mode of MODES) {
      test(`${mode.name}: push, rename, history and clone keep the encryption; a second sync sends nothing`, async () => {
        const bucket = await server().createBucket();
        const url = `s3://${bucket}/team`;
        const env = { ...server().env, AWS_ENDPOINT_URL_S3: proxy.endpoint, ...(mode.customerKey !== undefined ? { [KEY_VAR]: mode.customerKey.toString('base64') } : {}) };
        const a = await work(mode.name);
        await cli(a, env, 'init', url, ...mode.flags);
        await cli(a, env, 'config', 'set', 'remote.origin.multipart_threshold', '5M');
        await cli(a, env, 'config', 'set', 'remote.origin.part_size', '5M');
        const big = randomBytes(6 * MiB);
        await writeFile(join(a, 'small.txt'), 'small\n');
        await writeFile(join(a, 'big.bin'), big);
        await writeFile(join(a, 'notes.txt'), 'first\n');
        const from = proxy.seen.length;
        await cli(a, env, 'sync');
        await writeFile(join(a, 'notes.txt'), 'second\n'); // the first version goes to history (a kept copy)
        await rename(join(a, 'small.txt'), join(a, 'moved.txt')); // a server-side copy
        await cli(a, env, 'sync');

        const kept = await keys(raw, bucket, 'team/.lsync/versions/notes.txt/');
        assert.equal(kept.length, 1, 'the replaced notes.txt is kept as a copy');
        const all = await keys(raw, bucket, 'team/');
        for (const key of ['team/moved.txt', 'team/big.bin', 'team/notes.txt', kept[0] as string]) {
          assert.ok(all.includes(key), `${key} in ${all.join(', ')}`);
          const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
          assert.equal(head.ServerSideEncryption, mode.head.ServerSideEncryption, key);
          assert.equal(head.SSEKMSKeyId, mode.head.SSEKMSKeyId, key);
        }
        assert.ok(!all.includes('team/small.txt'));

        const requests = objectRequests(proxy.seen.slice(from), bucket);
        const copies = requests.filter((r) => r.headers['x-amz-copy-source'] !== undefined);
        assert.ok(copies.some((r) => r.path.endsWith('/moved.txt')), 'the rename is a copy on the server');
        assert.ok(requests.some((r) => r.query.has('partNumber')), 'big.bin went in parts');
        if (mode.customerKey !== undefined) {
          const md5 = md5b64(mode.customerKey);
          for (const r of requests) {
            assert.equal(r.headers['x-amz-server-side-encryption-customer-algorithm'], 'AES256', `${r.method} ${r.path}?${r.query.toString()}`);
            assert.equal(r.headers['x-amz-server-side-encryption-customer-key-md5'], md5, `${r.method} ${r.path}`);
            assert.equal(r.headers['x-amz-server-side-encryption-customer-key'], mode.customerKey.toString('base64'));
          }
          for (const r of copies) assert.equal(r.headers['x-amz-copy-source-server-side-encryption-customer-key-md5'], md5, r.path);
          assert.ok(requests.some((r) => r.method === 'HEAD') && requests.some((r) => r.method === 'GET'), 'reads were checked too');
        } else {
          const creating = requests.filter((r) => (r.method === 'PUT' && !r.query.has('partNumber')) || (r.method === 'POST' && r.query.has('uploads')));
          assert.ok(creating.length >= 5, 'puts, the multipart start, copies');
          for (const r of creating) assert.equal(r.headers['x-amz-server-side-encryption'], mode.head.ServerSideEncryption, `${r.method} ${r.path}`);
        }

        const b = join(a, '..', 'b');
        await cli(join(a, '..'), env, 'clone', url, 'b', ...mode.flags);
        assert.deepEqual(await readFile(join(b, 'big.bin')), big);
        assert.equal(await readFile(join(b, 'moved.txt'), 'utf8'), 'small\n');
        assert.equal(await readFile(join(b, 'notes.txt'), 'utf8'), 'second\n');
        assert.match(await readFile(join(b, '.lsync', 'config.yaml'), 'utf8'), mode.customerKey !== undefined ? new RegExp(`sse_c_key_env: ${KEY_VAR}`) : /sse: /);
        await assertNothingToDo(a, env);
        await assertNothingToDo(b, env);
      });
    }

    test('a mirror has its own encryption: remote add --sse aws:kms, origin unencrypted', async () => {
      const bucket = await server().createBucket();
      const env = { ...server().env };
      const a = await work('mirror');
      await cli(a, env, 'init', `s3://${bucket}/origin`);
      await cli(a, env, 'remote', 'add', 'vault', `s3://${bucket}/vault`, '--sse', 'aws:kms', '--sse-kms-key-id', 'alias/vault');
      assert.match(await readFile(join(a, '.lsync', 'config.yaml'), 'utf8'), /vault:\n(\s+.*\n)*\s+sse: aws:kms\n\s+sse_kms_key_id: alias\/vault/);
      await writeFile(join(a, 'f.txt'), 'f\n');
      await cli(a, env, 'push', '--all');
      const origin = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'origin/f.txt' }));
      const vault = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'vault/f.txt' }));
      assert.equal(origin.ServerSideEncryption, undefined);
      assert.equal(vault.ServerSideEncryption, 'aws:kms');
      assert.equal(vault.SSEKMSKeyId, 'alias/vault');
    });

    test('SSE-C without its key variable: one line naming it, exit 2, nothing sent', async () => {
      const bucket = await server().createBucket();
      const dir = await work('nokey');
      const before = proxy.seen.length;
      const r = await runCli(dir, ['init', `s3://${bucket}/team`, '--sse-c-key-env', KEY_VAR], { ...server().env, AWS_ENDPOINT_URL_S3: proxy.endpoint, [KEY_VAR]: '' });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^lsync: s3://${bucket}/team: SSE-C key variable ${KEY_VAR} \\(sse_c_key_env\\) is not set\\nhint: export ${KEY_VAR}=`));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(proxy.seen.length, before);
    });
  });

  describe('SSE-KMS ETags that are not MD5s (a proxy answering as AWS does under KMS)', () => {
    const server = useServer('moto');
    let proxy: EtagProxy;
    before(async () => {
      proxy = await startEtagProxy(server().endpoint);
    });
    after(() => proxy.close());

    test('nothing is sent again, and changes on either side are still found', async () => {
      const bucket = await server().createBucket();
      const url = `s3://${bucket}/team`;
      const env = { ...server().env, AWS_ENDPOINT_URL_S3: proxy.endpoint };
      const a = await work('etag');
      await cli(a, env, 'init', url, '--sse', 'aws:kms');
      await cli(a, env, 'config', 'set', 'remote.origin.multipart_threshold', '5M');
      await cli(a, env, 'config', 'set', 'remote.origin.part_size', '5M');
      const big = randomBytes(6 * MiB);
      await writeFile(join(a, 'big.bin'), big);
      await writeFile(join(a, 'small.txt'), 'one\n');
      await cli(a, env, 'sync');
      const plain = createHash('md5').update('one\n').digest('hex');
      assert.ok(proxy.rewritten.size >= 3, 'the proxy handed out its own ETags');
      assert.ok(![...proxy.rewritten.keys()].includes(plain), 'no ETag lsync saw is the MD5 of the content');
      await assertNothingToDo(a, env);

      const b = join(a, '..', 'b');
      await cli(join(a, '..'), env, 'clone', url, 'b', '--sse', 'aws:kms');
      assert.deepEqual(await readFile(join(b, 'big.bin')), big);
      await assertNothingToDo(b, env);

      // A change on the remote (b pushes) and a change here are both found and exchanged.
      await writeFile(join(b, 'small.txt'), 'two\n');
      await cli(b, env, 'sync');
      await writeFile(join(a, 'new.txt'), 'new\n');
      await cli(a, env, 'sync');
      assert.equal(await readFile(join(a, 'small.txt'), 'utf8'), 'two\n');
      await cli(b, env, 'sync');
      assert.equal(await readFile(join(b, 'new.txt'), 'utf8'), 'new\n');
      await assertNothingToDo(a, env);
      await assertNothingToDo(b, env);

      // A rename on the remote is recognised by content (lsync's md5 metadata, not the copy's
      // ETag): a moves its file, downloads nothing.
      await rename(join(b, 'new.txt'), join(b, 'renamed.txt'));
      await cli(b, env, 'sync');
      const moved = plannedSummary(await cli(a, env, 'sync', '--json'));
      assert.equal(moved['moves'], 1, JSON.stringify(moved));
      assert.equal(moved['downloads'], 0, JSON.stringify(moved));
      assert.equal(await readFile(join(a, 'renamed.txt'), 'utf8'), 'new\n');

      // A folder that already holds the same files: adopted, not conflicts, nothing transferred.
      const c = join(a, '..', 'c');
      await mkdir(c);
      await writeFile(join(c, 'small.txt'), 'two\n');
      await writeFile(join(c, 'renamed.txt'), 'new\n');
      await writeFile(join(c, 'big.bin'), big);
      await cli(c, env, 'init', url, '--sse', 'aws:kms');
      const adopted = plannedSummary(await cli(c, env, 'sync', '--json'));
      assert.equal(adopted['conflicts'], 0, JSON.stringify(adopted));
      assert.equal(adopted['downloads'], 0, JSON.stringify(adopted));
      assert.equal(adopted['uploads'], 0, JSON.stringify(adopted));
      await assertNothingToDo(c, env);
    });
  });
}
