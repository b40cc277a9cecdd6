/**
 * The S3 remote's own requests under SSE-C and SSE-KMS, on moto behind a recording proxy, for the
 * paths the CLI tests do not reach on a small bucket: a multipart copy (UploadPartCopy, which a copy
 * at or above the copy threshold uses), a ranged GET and a conditional GET (getIfChanged). Every
 * request that writes or reads an object's bytes or metadata must carry the customer key, and each
 * copy the source's key too; under KMS the multipart copy's target is encrypted like the source.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Remote, type S3RemoteOptions } from '../../src/remote/s3/s3-remote.js';
import { countingProxy, type CountingProxy } from '../support/requests.js';
import { serverKinds, useServer, type ServerInfo } from '../support/servers.js';

const MiB = 1024 * 1024;
const KEY_VAR = 'LSYNC_TEST_REMOTE_SSE_C_KEY';

function remoteVia(s: ServerInfo, endpoint: string, bucket: string, encryption: S3RemoteOptions['encryption']): S3Remote {
  return new S3Remote({
    bucket,
    prefix: 'p/',
    endpoint,
    provider: s.kind,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    multipartThreshold: 5 * MiB,
    partSize: 5 * MiB,
    copyThreshold: 5 * MiB,
    copyPartSize: 5 * MiB,
    ...(encryption !== undefined ? { encryption } : {}),
  });
}

async function text(body: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (!serverKinds().includes('moto')) {
  test('S3 remote requests under SSE', { skip: 'moto_server not on PATH' }, () => undefined);
} else {
  describe('S3 remote requests under SSE [moto]', () => {
    const server = useServer('moto');
    let proxy: CountingProxy;
    before(async () => {
      proxy = await countingProxy(server().endpoint);
    });
    after(() => proxy.close());

    test('SSE-C: multipart copy, ranged and conditional reads all carry the key', async () => {
      const key = randomBytes(32);
      process.env[KEY_VAR] = key.toString('base64');
      const bucket = await server().createBucket();
      const remote = remoteVia(server(), proxy.endpoint, bucket, { customerKeyEnv: KEY_VAR });
      const from = proxy.seen.length;
      try {
        assert.equal(remote.capabilities.etagIsMd5, false);
        const big = randomBytes(6 * MiB);
        await remote.put('big.bin', { kind: 'bytes', data: big }, { meta: { md5: createHash('md5').update(big).digest('hex') } });
        const small = await remote.put('small.txt', { kind: 'bytes', data: Buffer.from('0123456789') }, { meta: {} });
        await remote.copy('big.bin', 'big-copy.bin', { size: big.length });
        const ranged = await remote.get('small.txt', { start: 2, end: 5 });
        assert.equal(await text(ranged.body), '234');
        assert.equal((await remote.getIfChanged('small.txt', small.etag)).state, 'unchanged');
        assert.equal((await remote.getIfChanged('small.txt', undefined)).state, 'changed');
        assert.equal((await remote.stat('big-copy.bin'))?.size, big.length);
      } finally {
        await remote.close();
        delete process.env[KEY_VAR];
      }
      const md5 = createHash('md5').update(key).digest('base64');
      const objects = proxy.seen.slice(from).filter((r) => r.path.startsWith(`/${bucket}/p/`) && r.method !== 'DELETE');
      const partCopies = objects.filter((r) => r.query.has('partNumber') && r.headers['x-amz-copy-source'] !== undefined);
      assert.equal(partCopies.length, 2, 'the 6 MiB copy went as two UploadPartCopy requests');
      assert.ok(objects.some((r) => r.headers['range'] === 'bytes=2-4'), 'a ranged GET was sent');
      assert.ok(objects.some((r) => r.headers['if-none-match'] !== undefined), 'a conditional GET was sent');
      for (const r of objects) assert.equal(r.headers['x-amz-server-side-encryption-customer-key-md5'], md5, `${r.method} ${r.path}?${r.query.toString()}`);
      for (const r of partCopies) assert.equal(r.headers['x-amz-copy-source-server-side-encryption-customer-key-md5'], md5);
    });

    test('SSE-KMS: a multipart copy is encrypted with the key, as the source is', async () => {
      const bucket = await server().createBucket();
      const remote = remoteVia(server(), server().endpoint, bucket, { sse: 'aws:kms', kmsKeyId: 'alias/copies' });
      const raw = new S3Client({ endpoint: server().endpoint, region: server().region, forcePathStyle: true, credentials: { accessKeyId: server().accessKeyId, secretAccessKey: server().secretAccessKey } });
      try {
        const big = randomBytes(6 * MiB);
        await remote.put('big.bin', { kind: 'bytes', data: big }, { meta: {} });
        await remote.copy('big.bin', 'big-copy.bin', { size: big.length });
        for (const k of ['p/big.bin', 'p/big-copy.bin']) {
          const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: k }));
          assert.equal(head.ServerSideEncryption, 'aws:kms', k);
          assert.equal(head.SSEKMSKeyId, 'alias/copies', k);
        }
      } finally {
        raw.destroy();
        await remote.close();
      }
    });
  });
}
