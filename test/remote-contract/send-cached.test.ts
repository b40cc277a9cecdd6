/**
 * sendCached (src/remote/s3/client.ts) resolves the SDK's middleware once per command class and
 * abort signal. What must not change with it: each request answers to its own signal, not to the
 * signal of the request that first resolved its class; and a command with middleware of its own
 * (the bandwidth limit's pacing, pace.ts) still runs through it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readAll } from '../remote-wrap/helpers.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer } from '../support/servers.js';

const isAbort = (e: unknown): boolean => e instanceof Error && (e.name === 'AbortError' || /abort/i.test(e.message));

for (const kind of serverKinds()) {
  describe(`requests through cached middleware on ${kind}`, () => {
    const server = useServer(kind);

    test('each request follows its own abort signal', async () => {
      const remote = s3RemoteOn(server(), { bucket: await server().createBucket(), prefix: 'p/', concurrency: 4 });
      try {
        await remote.put('x.txt', { kind: 'bytes', data: Buffer.from('hello') }, { meta: {} });
        const a = new AbortController();
        const b = new AbortController();
        // A GET and a HEAD resolved first with signal A, then with B.
        assert.equal((await readAll((await remote.get('x.txt', { signal: a.signal })).body)).toString(), 'hello');
        assert.equal((await remote.stat('x.txt', a.signal))?.size, 5);
        assert.equal((await readAll((await remote.get('x.txt', { signal: b.signal })).body)).toString(), 'hello');
        a.abort();
        await assert.rejects(remote.get('x.txt', { signal: a.signal }), isAbort);
        await assert.rejects(remote.stat('x.txt', a.signal), isAbort);
        // B's requests are B's: A's abort does not reach them, nor requests without a signal.
        assert.equal((await readAll((await remote.get('x.txt', { signal: b.signal })).body)).toString(), 'hello');
        assert.equal((await remote.stat('x.txt', b.signal))?.size, 5);
        assert.equal((await readAll((await remote.get('x.txt')).body)).toString(), 'hello');
        assert.equal((await remote.stat('x.txt'))?.size, 5);
      } finally {
        await remote.close();
      }
    });

    test('a paced put still goes through its pacing, before and after unpaced ones', async () => {
      const remote = s3RemoteOn(server(), { bucket: await server().createBucket(), prefix: 'p/', concurrency: 4 });
      try {
        const data = Buffer.alloc(200 * 1024, 7);
        await remote.put('plain-1.bin', { kind: 'bytes', data }, { meta: {} });
        let paced = 0;
        const throttle = async (bytes: number): Promise<void> => {
          paced += bytes;
        };
        await remote.put('paced.bin', { kind: 'bytes', data }, { meta: {}, throttle });
        assert.equal(paced, data.byteLength, 'every byte of the paced put went through the throttle');
        await remote.put('plain-2.bin', { kind: 'bytes', data }, { meta: {} });
        assert.equal(paced, data.byteLength, 'unpaced puts are not paced');
        for (const name of ['plain-1.bin', 'paced.bin', 'plain-2.bin']) assert.equal((await remote.stat(name))?.size, data.byteLength);
      } finally {
        await remote.close();
      }
    });
  });
}
