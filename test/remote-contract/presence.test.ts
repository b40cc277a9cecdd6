/**
 * The batched overwrite guard (src/remote/s3/presence.ts) on real servers, with conditional writes
 * turned off so that the guard is what protects: puts of new keys that arrive together share one
 * listing per folder, never overwrite what is there, and fall back to a HEAD when a listing page
 * cannot answer (a folder of more than 1,000 keys).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { S3Remote } from '../../src/remote/s3/s3-remote.js';
import type { Remote } from '../../src/remote/remote.js';
import { countRequests } from '../support/requests.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer } from '../support/servers.js';
import { readAll, rejectsKind } from './contract.js';

async function text(remote: Remote, path: string): Promise<string> {
  return (await readAll((await remote.get(path)).body)).toString('utf8');
}

const put = (remote: Remote, path: string, body: string, cond: { ifNoneMatch?: true; ifMatch?: string } = {}) =>
  remote.put(path, { kind: 'bytes', data: Buffer.from(body) }, { meta: {}, ...cond });

for (const kind of serverKinds()) {
  describe(`batched overwrite guard on ${kind}`, () => {
    const server = useServer(kind);
    const open = (bucket: string, provider: string = kind): S3Remote =>
      s3RemoteOn(server(), {
        bucket,
        prefix: 'p/',
        provider,
        concurrency: 16,
        conditionalWrites: false,
      });

    test('new keys put together cost a listing per folder, not a HEAD each; existing keys are kept', async () => {
      const remote = open(await server().createBucket());
      try {
        await put(remote, 'a/k05', 'theirs');
        const tag = (await put(remote, 'b/x', 'v1')).etag;
        const counts = countRequests(remote);
        const a = Array.from({ length: 12 }, (_, i) => `a/k${String(i).padStart(2, '0')}`);
        const results = await Promise.allSettled([
          ...a.map((p) => put(remote, p, `mine ${p}`, { ifNoneMatch: true })),
          put(remote, 'b/x', 'v2', { ifMatch: tag }),
          put(remote, 'b/y', 'new', { ifMatch: tag }), // absent: not what the caller expected
        ]);
        const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
        assert.deepEqual(refused, [5, 13]);
        const reason = results[5]?.status === 'rejected' ? (results[5].reason as { kind?: string }).kind : undefined;
        assert.equal(reason, 'precondition');
        assert.equal(await text(remote, 'a/k05'), 'theirs');
        assert.equal(await text(remote, 'a/k00'), 'mine a/k00');
        assert.equal(await text(remote, 'b/x'), 'v2');
        assert.equal(counts.get('HeadObjectCommand') ?? 0, 0);
        // One round for the burst (one listing per folder); a later straggler may need one more.
        assert.ok((counts.get('ListObjectsV2Command') ?? 0) <= 4, `listings: ${String(counts.get('ListObjectsV2Command'))}`);
        assert.equal(counts.get('PutObjectCommand'), 12);
      } finally {
        await remote.close();
      }
    });

    test('a folder too full for one page: the keys it did not cover are HEADed, and still kept', async () => {
      const bucket = await server().createBucket();
      const remote = open(bucket);
      try {
        const many = Array.from({ length: 1010 }, (_, i) => `big/f${String(i).padStart(4, '0')}`);
        for (let i = 0; i < many.length; i += 64) await Promise.all(many.slice(i, i + 64).map((p) => put(remote, p, 'old')));
        const counts = countRequests(remote);
        // The first and last existing keys and one new key beyond them, in one burst.
        const results = await Promise.allSettled([
          put(remote, 'big/f0000', 'new', { ifNoneMatch: true }),
          put(remote, 'big/f1009', 'new', { ifNoneMatch: true }),
          put(remote, 'big/f9999', 'new', { ifNoneMatch: true }),
        ]);
        assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'fulfilled']);
        assert.equal(await text(remote, 'big/f0000'), 'old');
        assert.equal(await text(remote, 'big/f1009'), 'old');
        assert.ok((counts.get('HeadObjectCommand') ?? 0) >= 1, 'a key past the page is HEADed');
      } finally {
        await remote.close();
      }
    });

    test('an unknown service (listings maybe stale) keeps one HEAD per key', async () => {
      const remote = open(await server().createBucket(), 'generic');
      try {
        await put(remote, 'g/taken', 'theirs');
        const counts = countRequests(remote);
        await Promise.all([put(remote, 'g/n1', '1', { ifNoneMatch: true }), put(remote, 'g/n2', '2', { ifNoneMatch: true })]);
        await rejectsKind(put(remote, 'g/taken', 'mine', { ifNoneMatch: true }), 'precondition');
        assert.equal(counts.get('HeadObjectCommand'), 3);
        assert.equal(counts.get('ListObjectsV2Command') ?? 0, 0);
      } finally {
        await remote.close();
      }
    });
  });
}
