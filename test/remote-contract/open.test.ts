/** Remote addresses, and the promise that a file:// run never loads the AWS SDK. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { displayRemote, parseRemoteUrl } from '../../src/remote/open.js';

describe('parseRemoteUrl', () => {
  const ok: ReadonlyArray<readonly [string, ReturnType<typeof parseRemoteUrl>]> = [
    ['s3://bucket', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/team/docs', { kind: 's3', bucket: 'bucket', prefix: 'team/docs/' }],
    ['s3://bucket/team/docs/', { kind: 's3', bucket: 'bucket', prefix: 'team/docs/' }],
    ['my-bucket.example', { kind: 's3', bucket: 'my-bucket.example', prefix: '' }],
    ['my-bucket/some prefix+x', { kind: 's3', bucket: 'my-bucket', prefix: 'some prefix+x/' }],
    ['S3://Legacy_Bucket/p', { kind: 's3', bucket: 'Legacy_Bucket', prefix: 'p/' }],
    ['file:///srv/share', { kind: 'file', root: '/srv/share' }],
    ['file:///srv/share/', { kind: 'file', root: '/srv/share' }],
    ['file:///srv/with%20space/%E2%9C%93', { kind: 'file', root: '/srv/with space/\u2713' }],
    ['file://localhost/srv/x', { kind: 'file', root: '/srv/x' }],
    ['file:///', { kind: 'file', root: '/' }],
  ];
  for (const [input, expected] of ok) {
    test(`accepts ${input}`, () => assert.deepEqual(parseRemoteUrl(input), expected));
  }

  const bad: ReadonlyArray<readonly [string, RegExp]> = [
    ['', /empty remote/],
    ['s3://', /empty bucket/],
    ['s3:///prefix', /empty bucket/],
    ['ab', /3 to 63/],
    ['bad..name', /"\.\."/],
    ['-bucket', /start and end/],
    ['bucket!/x', /may contain only/],
    ['192.168.1.1', /IP address/],
    ['file://relative/dir', /absolute/],
    ['file:relative', /absolute/],
    ['file:///x?y', /"\?" or "#"/],
    ['./local/dir', /file:\/\/\//],
    ['/abs/dir', /file:\/\/\//],
    ['gs://bucket', /unsupported remote/],
  ];
  for (const [input, message] of bad) {
    test(`rejects ${JSON.stringify(input)} with a one-line message`, () => {
      assert.throws(() => parseRemoteUrl(input), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, message);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    });
  }
});

describe('displayRemote', () => {
  test('round-trips through parseRemoteUrl', () => {
    for (const s of ['s3://bucket', 's3://bucket/a/b', 'file:///srv/with space/%#?x', 'file:///']) {
      const spec = s.startsWith('file:') ? ({ kind: 'file', root: s.slice(7) } as const) : parseRemoteUrl(s);
      assert.deepEqual(parseRemoteUrl(displayRemote(spec)), spec, s);
    }
    assert.equal(displayRemote({ kind: 's3', bucket: 'b', prefix: 'p/q/' }), 's3://b/p/q');
  });
});

describe('openRemote', () => {
  // A resolve hook that refuses the SDK: a file:// run must work without ever importing it.
  const hook = `export async function resolve(s, c, n) {
    if (s.startsWith('@aws-sdk/') || s.startsWith('@smithy/')) throw new Error('SDK loaded: ' + s);
    return n(s, c);
  }`;
  const script = (openUrl: string, remote: string) => `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
    const { openRemote, parseRemoteUrl } = await import(${JSON.stringify(openUrl)});
    const r = await openRemote(parseRemoteUrl(${JSON.stringify(remote)}));
    if ('createBucket' in r && r.display.startsWith('file:')) {
      await r.createBucket();
      await r.put('a.txt', { kind: 'bytes', data: new TextEncoder().encode('x') }, { meta: {} });
      for await (const o of r.list()) console.log(o.path);
    }
    console.log('done');
  `;
  const run = promisify(execFile);
  const openUrl = new URL('../../src/remote/open.js', import.meta.url).href;

  test('a file:// remote never loads the AWS SDK', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lsync-lazy-'));
    try {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script(openUrl, `file://${dir}/r`)]);
      assert.equal(stdout, 'a.txt\ndone\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('(control) an s3 remote does load it, so the hook above really bites', async () => {
    await assert.rejects(run(process.execPath, ['--input-type=module', '-e', script(openUrl, 's3://bucket')]), /SDK loaded/);
  });
});
