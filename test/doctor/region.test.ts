/**
 * Region redirects and checksum rejections, against s3rver behind a proxy that answers as AWS (or a
 * picky S3-compatible service) would (proxy.ts): a redirect is followed once and the region
 * recorded in config.yaml, so later runs go straight to it; `--region` forces a region and the
 * error names the bucket's; lsync's WHEN_REQUIRED checksum setting sends nothing such a service
 * refuses, where the SDK's default is refused.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { useServer } from '../support/servers.js';
import { runCli } from '../support/world.js';
import { redirectRegion } from '../../src/remote/s3/region.js';
import { startProxy, type Proxy } from './proxy.js';

const BUCKET_REGION = 'eu-test-1';

async function work(): Promise<{ tmp: string; dir: string }> {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-region-'));
  const dir = join(tmp, 'a');
  await mkdir(dir);
  return { tmp, dir };
}

for (const style of ['301', 'malformed'] as const) {
  describe(`region redirect (${style === '301' ? '301 PermanentRedirect + x-amz-bucket-region' : '400 AuthorizationHeaderMalformed <Region>'})`, () => {
    const server = useServer('s3rver');
    let proxy: Proxy;
    let env: Record<string, string>;
    before(async () => {
      proxy = await startProxy(server().endpoint, { bucketRegion: BUCKET_REGION, redirectStyle: style });
      env = { ...server().env, AWS_ENDPOINT_URL_S3: proxy.endpoint, AWS_REGION: 'us-east-1' };
    });
    after(() => proxy.close());

    test('init follows it once and records the region; later runs go straight there', async () => {
      const bucket = await server().createBucket();
      const { dir } = await work();
      let r = await runCli(dir, ['init', `s3://${bucket}/team`], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(proxy.counts.redirects, 1, 'followed once: every request after the first went to the right region');
      const file = join(dir, '.lsync', 'config.yaml');
      assert.match(await readFile(file, 'utf8'), new RegExp(`region: ${BUCKET_REGION}`));

      await writeFile(join(dir, 'x.txt'), 'x');
      r = await runCli(dir, ['sync'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(proxy.counts.redirects, 1, 'the recorded region is used from the first request');

      // A config without the region (written before lsync learnt it): one redirect, recorded again.
      await writeFile(file, (await readFile(file, 'utf8')).replace(/^\s*region: .*\n/m, ''));
      await writeFile(join(dir, 'y.txt'), 'y');
      r = await runCli(dir, ['sync'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(proxy.counts.redirects, 2);
      assert.match(r.stderr, new RegExp(`region ${BUCKET_REGION}: recorded in config.yaml`));
      assert.match(await readFile(file, 'utf8'), new RegExp(`region: ${BUCKET_REGION}`));

      // --region forces a region: not followed, and the error names the bucket's.
      const before = proxy.counts.redirects;
      r = await runCli(dir, ['status', '--region', 'us-east-1'], env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`in region ${BUCKET_REGION}, not us-east-1 .*--region ${BUCKET_REGION}`));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(proxy.counts.redirects, before + 1);
    });

    test('doctor reports the bucket\'s region and checks everything there', async () => {
      const bucket = await server().createBucket();
      const { dir } = await work();
      const before = proxy.counts.redirects;
      const r = await runCli(dir, ['doctor', `s3://${bucket}/team`, '--json'], env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const o = JSON.parse(r.stdout) as { region: string; capabilities: Record<string, unknown> };
      assert.equal(o.region, BUCKET_REGION);
      assert.equal(o.capabilities['write'], true);
      assert.equal(o.capabilities['multipart'], true);
      // One redirect for the doctor's own client; the scratch remote starts in the learnt region.
      assert.equal(proxy.counts.redirects - before, 1);
    });
  });
}

for (const status of [400, 501] as const) {
  describe(`a service that refuses flexible checksums (${status})`, () => {
    const server = useServer('s3rver');
    let proxy: Proxy;
    before(async () => {
      proxy = await startProxy(server().endpoint, { rejectChecksums: status });
    });
    after(() => proxy.close());

    test('the SDK default is refused; lsync (WHEN_REQUIRED) pushes small and multipart files', async () => {
      const bucket = await server().createBucket();
      const s = server();
      // Control: the SDK's own default (WHEN_SUPPORTED) sends a CRC32 the proxy refuses.
      const sdk = new S3Client({ endpoint: proxy.endpoint, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } });
      await assert.rejects(sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'control', Body: Buffer.from('x') })));
      sdk.destroy();
      assert.equal(proxy.counts.checksumRejections, 1);

      const env = { ...s.env, AWS_ENDPOINT_URL_S3: proxy.endpoint };
      const { dir } = await work();
      let r = await runCli(dir, ['init', `s3://${bucket}/team`], env);
      assert.equal(r.code, 0, r.stderr);
      await writeFile(join(dir, 'small.txt'), 'small');
      await writeFile(join(dir, 'big.bin'), Buffer.alloc(6 * 1024 * 1024, 7));
      const file = join(dir, '.lsync', 'config.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace(/^(\s*)url: (.*)$/m, '$1url: $2\n$1multipart_threshold: 5M\n$1part_size: 5M'));
      r = await runCli(dir, ['push'], env);
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(dir, ['doctor', '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(proxy.counts.checksumRejections, 1, 'nothing lsync sent was refused');
    });
  });
}

describe('what counts as a region answer', () => {
  const err = (status: number, name: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): unknown =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, $response: { statusCode: status, headers }, ...extra });

  test('301 with the header, 400 AuthorizationHeaderMalformed with <Region>, a HEAD 400 with the header', () => {
    assert.equal(redirectRegion(err(301, 'PermanentRedirect', { 'x-amz-bucket-region': 'eu-west-1' })), 'eu-west-1');
    assert.equal(redirectRegion(err(400, 'AuthorizationHeaderMalformed', {}, { Region: 'ap-south-1' })), 'ap-south-1');
    assert.equal(redirectRegion(err(400, '400', { 'x-amz-bucket-region': 'us-west-2' })), 'us-west-2');
  });

  test('anything else is not', () => {
    assert.equal(redirectRegion(err(403, 'AccessDenied', { 'x-amz-bucket-region': 'eu-west-1' })), undefined);
    assert.equal(redirectRegion(err(400, 'InvalidArgument')), undefined);
    assert.equal(redirectRegion(err(301, 'PermanentRedirect')), undefined, 'a redirect that names no region');
    assert.equal(redirectRegion(err(301, 'PermanentRedirect', { 'x-amz-bucket-region': 'not a region!' })), undefined);
    assert.equal(redirectRegion(new Error('ECONNRESET')), undefined);
  });
});
