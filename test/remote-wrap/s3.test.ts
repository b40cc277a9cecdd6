/**
 * The wrappers where the wire matters: a real S3 server on 127.0.0.1. The bandwidth limit paces
 * the SDK's own request bodies (PutObject and UploadPart, through PutOptions.throttle) and the
 * response body of GetObject; retry and faults see the S3 remote's own error kinds.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { openRemote, type OpenOptions } from '../../src/remote/open.js';
import { RemoteError, type Remote } from '../../src/remote/remote.js';
import { withBandwidthLimit, withCounters, wrapRemote } from '../../src/remote/wrap/index.js';
import { serverKinds, useServer } from '../support/servers.js';
import { md5, MiB, readAll } from './helpers.js';
import { assertRate, timed } from './rate.js';

/**
 * The pacing happens in the SDK request (pace.ts), the same for every server: measured on the
 * first server only, to keep the suite's time down (each measurement takes ~3 s of real clock).
 */
const kinds = serverKinds();
const paceOnce = (kind: string): string | false => (kind === kinds[0] ? false : `pacing measured on ${kinds[0] ?? 'the first server'}`);

for (const kind of kinds) {
  describe(`wrappers on ${kind}`, () => {
    const server = useServer(kind);
    let n = 0;
    const open = async (tuning: OpenOptions = {}): Promise<Remote> => {
      const s = server();
      const bucket = await s.createBucket();
      return openRemote(
        { kind: 's3', bucket, prefix: `wrap-${++n}/` },
        {
          endpoint: s.endpoint,
          region: s.region,
          provider: kind,
          credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
          ...tuning,
        },
      );
    };

    test('bwlimit: a 3 MiB PutObject at 1 MiB/s', { skip: paceOnce(kind) }, async () => {
      const remote = withBandwidthLimit(await open(), MiB);
      const data = randomBytes(3 * MiB);
      try {
        const seconds = await timed(() => remote.put('up.bin', { kind: 'bytes', data }, { meta: { md5: md5(data) } }));
        assertRate(`${kind} PutObject`, data.byteLength, seconds, MiB);
        assert.ok((await readAll((await remote.get('up.bin')).body)).equals(data));
      } finally {
        await remote.close();
      }
    });

    test('bwlimit: a 6 MiB multipart upload (two parts in parallel) at 2 MiB/s', { skip: paceOnce(kind) }, async () => {
      const remote = withBandwidthLimit(await open({ multipartThreshold: 5 * MiB, partSize: 5 * MiB }), 2 * MiB);
      const data = randomBytes(6 * MiB);
      try {
        const seconds = await timed(() => remote.put('multi.bin', { kind: 'bytes', data }, { meta: { md5: md5(data) } }));
        assertRate(`${kind} multipart`, data.byteLength, seconds, 2 * MiB);
        assert.equal((await remote.stat('multi.bin'))?.size, data.byteLength);
      } finally {
        await remote.close();
      }
    });

    test('bwlimit: a 3 MiB GetObject at 1 MiB/s', { skip: paceOnce(kind) }, async () => {
      const base = await open();
      const data = randomBytes(3 * MiB);
      await base.put('down.bin', { kind: 'bytes', data }, { meta: { md5: md5(data) } });
      const remote = withBandwidthLimit(base, MiB);
      try {
        let got: Buffer = Buffer.alloc(0);
        const seconds = await timed(async () => {
          got = await readAll((await remote.get('down.bin')).body);
        });
        assert.ok(got.equals(data));
        assertRate(`${kind} GetObject`, data.byteLength, seconds, MiB);
      } finally {
        await remote.close();
      }
    });

    test('retry: a landed conditional put whose answer was lost succeeds; a real 404 is not retried', async () => {
      const counted = withCounters(await open({ maxAttempts: 1 }));
      const remote = wrapRemote(counted, {
        retry: { sleep: async () => undefined },
        faults: { rules: [{ op: 'put', calls: [1], fault: { type: 'fail', landed: true } }] },
      });
      try {
        const data = Buffer.from('landed');
        const result = await remote.put('c.txt', { kind: 'bytes', data }, { meta: { md5: md5(data) }, ifNoneMatch: true });
        assert.equal(result.etag, (await remote.stat('c.txt'))?.etag);
        await assert.rejects(remote.get('missing.txt'), (e: unknown) => e instanceof RemoteError && e.kind === 'not-found');
        assert.equal(counted.counters.get.calls, 1);
      } finally {
        await remote.close();
      }
    });
  });
}
