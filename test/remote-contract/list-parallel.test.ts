/**
 * A whole-prefix listing of more than one page, on real servers: where the service's delimiter
 * listings are trusted (quirks.ts) the top-level folders are listed side by side
 * (src/remote/s3/list-parallel.ts), and the result must be exactly the sorted listing: nothing
 * missed (a missed folder would look like deleted files), nothing twice, byte order kept.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareKeys } from '../../src/core/paths.js';
import { watchRequests } from '../support/requests.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer } from '../support/servers.js';
import { listAll } from './contract.js';

for (const kind of serverKinds()) {
  describe(`whole-prefix listing past one page on ${kind}`, () => {
    const server = useServer(kind);

    test('every key once, in byte order, whatever folder the first page stops in', async (t) => {
      // s3rver pages in the order of its directory walk, and its continuation past 1,000 keys loses
      // some of them (quirks.ts sortedListing): its listing is not the thing under test here.
      if (kind === 's3rver') return t.skip('s3rver listings past 1,000 keys are unreliable (see quirks.ts)');
      const remote = s3RemoteOn(server(), {
        bucket: await server().createBucket(),
        prefix: 'p/',
        concurrency: 16,
      });
      let delimited = 0;
      watchRequests(remote, (command, input) => {
        if (command === 'ListObjectsV2Command' && input['Delimiter'] !== undefined) delimited++;
      });
      try {
        // The first page (1,000 keys) ends inside `m/`; loose keys and folders whose names sort
        // around '/' ('.' and '-' before it, '0' after) on both sides of that point; a folder with
        // nothing directly in it (only deeper), which a naive delimiter listing can miss.
        const paths: string[] = ['a.txt', 'a-b/x', 'a0', 'b/only/deeper/k', 'm.txt', 'm-x/y', 'm0', 'n', 'z/1', 'é/2', '😀/3'];
        for (let i = 0; i < 995; i++) paths.push(`m/${String(i).padStart(4, '0')}`);
        for (let i = 0; i < 30; i++) paths.push(`q/${i}/f`);
        paths.push('.lsync/not-listed');
        const body = { kind: 'bytes' as const, data: Buffer.from('x') };
        for (let i = 0; i < paths.length; i += 64) await Promise.all(paths.slice(i, i + 64).map((p) => remote.put(p, body, { meta: {} })));
        const listed = (await listAll(remote)).map((o) => o.path);
        const expected = paths.filter((p) => !p.startsWith('.lsync/')).sort(compareKeys);
        assert.equal(listed.length, expected.length);
        assert.deepEqual(listed, expected);
        assert.ok(delimited >= 1, 'the parallel path was taken');
      } finally {
        await remote.close();
      }
    });
  });
}
