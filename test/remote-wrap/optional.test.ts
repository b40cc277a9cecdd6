/**
 * The optional part of the Remote contract through every wrapper: a method the remote has is on
 * the wrapper too, changed as that wrapper must change it (retried, paced, counted, faulted); a
 * method the remote lacks stays absent, so a caller's `?.` still tells.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Remote, RemoteVersion, UploadCheckpoint } from '../../src/remote/remote.js';
import { PASS_THROUGH, type OptionalWrapping } from '../../src/remote/wrap/forward.js';
import { withBandwidthLimit, withCounters, withFaults, withRetry, wrapRemote } from '../../src/remote/wrap/index.js';
import { fileRemote, putText, readAll } from './helpers.js';

const VERSION: RemoteVersion = { id: 'v1', size: 100_000, mtimeMs: 1_700_000_000_000, hash: 'abc', metadata: {}, isDelete: false };

/** A real file:// remote that also answers the optional methods it lacks (a fake at lsync's own interface). */
async function fullRemote(discarded: UploadCheckpoint[]): Promise<Remote> {
  const base = await fileRemote();
  const extra = {
    discardUpload: async (checkpoint: UploadCheckpoint): Promise<void> => {
      discarded.push(checkpoint);
    },
    listVersions: async (): Promise<readonly RemoteVersion[]> => [VERSION],
    getVersion: async (path: string) => ({ body: Readable.from([Buffer.alloc(100_000, 1)]), object: { path, size: 100_000, etag: 'e', lastModifiedMs: 0 } }),
  };
  return Object.assign(base, extra);
}

/** The file:// remote without its version methods: a remote that keeps no versions. */
async function bareRemote(): Promise<Remote> {
  const base = await fileRemote();
  const hidden = new Set<PropertyKey>(['listVersions', 'getVersion', 'keepVersion', 'pruneVersions']);
  return new Proxy(base, {
    get: (target, prop) => {
      if (hidden.has(prop)) return undefined;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const WRAPPERS: Readonly<Record<string, (r: Remote) => Remote>> = {
  retry: (r) => withRetry(r, { baseMs: 1 }),
  bwlimit: (r) => withBandwidthLimit(r, 1024 * 1024 * 1024),
  faults: (r) => withFaults(r, { rules: [] }),
  counters: (r) => withCounters(r),
  'the app stack': (r) => wrapRemote(r, { bwlimit: 1024 * 1024 * 1024, faults: { rules: [] } }),
};

describe('optional methods through every wrapper', () => {
  for (const [name, wrap] of Object.entries(WRAPPERS)) {
    test(`${name}: present where the remote has them, absent where it lacks them`, async () => {
      const bare = wrap(await bareRemote());
      assert.equal(bare.listVersions, undefined);
      assert.equal(bare.getVersion, undefined);
      assert.equal(bare.discardUpload, undefined);
      assert.equal(typeof bare.getIfChanged, 'function');

      const discarded: UploadCheckpoint[] = [];
      const remote = wrap(await fullRemote(discarded));
      await putText(remote, 'h', 'head');
      const first = await remote.getIfChanged?.('h', undefined);
      assert.equal(first?.state, 'changed');
      if (first?.state !== 'changed') return;
      assert.deepEqual(await remote.getIfChanged?.('h', first.object.etag), { state: 'unchanged' });
      assert.deepEqual(await remote.listVersions?.('h'), [VERSION]);
      const version = await remote.getVersion?.('h', 'v1');
      assert.equal((await readAll(version?.body ?? Readable.from([]))).byteLength, 100_000);
      await remote.discardUpload?.({ state: { id: 7 } });
      assert.deepEqual(discarded, [{ state: { id: 7 } }]);
    });
  }

  test('retry: each optional call is tried again after a transient failure', async () => {
    const faulty = withFaults(await fullRemote([]), {
      rules: (['discardUpload', 'listVersions', 'getVersion', 'getIfChanged'] as const).map((op) => ({ op, calls: [1, 2], fault: { type: 'fail' as const } })),
    });
    const counted = withCounters(faulty);
    const remote = withRetry(counted, { baseMs: 1, maxMs: 2 });
    await putText(remote, 'h', 'head');
    assert.equal((await remote.getIfChanged?.('h', undefined))?.state, 'changed');
    assert.deepEqual(await remote.listVersions?.('h'), [VERSION]);
    await readAll((await remote.getVersion?.('h', 'v1'))?.body ?? Readable.from([]));
    await remote.discardUpload?.({ state: null });
    for (const op of ['discardUpload', 'listVersions', 'getVersion', 'getIfChanged'] as const) assert.equal(counted.counters[op].calls, 3, op);
    assert.equal(faulty.injected.length, 8);
  });

  test('counters: version and small-read bytes are counted under their own op', async () => {
    const remote = withCounters(await fullRemote([]));
    await putText(remote, 'h', 'head');
    await remote.getIfChanged?.('h', undefined);
    await readAll((await remote.getVersion?.('h', 'v1'))?.body ?? Readable.from([]));
    assert.deepEqual(remote.counters.getIfChanged, { calls: 1, bytes: 4 });
    assert.deepEqual(remote.counters.getVersion, { calls: 1, bytes: 100_000 });
  });

  test('bwlimit: a version body takes tokens like a get body (fake clock)', async () => {
    let now = 0;
    const waits: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      waits.push(ms);
      now += ms;
    };
    const remote = withBandwidthLimit(await fullRemote([]), 10_000, { now: () => now, sleep });
    await readAll((await remote.getVersion?.('h', 'v1'))?.body ?? Readable.from([]));
    const waited = waits.reduce((a, b) => a + b, 0);
    // 100,000 bytes at 10,000 B/s from an empty bucket: 10 s of waiting, however sliced.
    assert.ok(Math.abs(waited - 10_000) < 1, `waited ${waited} ms`);
  });

  test('a wrapping table that leaves a method out does not compile', () => {
    // @ts-expect-error getIfChanged is missing: tsc fails here if the table type stops requiring every method.
    const partial: OptionalWrapping<unknown> = { discardUpload: PASS_THROUGH.discardUpload, listVersions: PASS_THROUGH.listVersions, getVersion: PASS_THROUGH.getVersion };
    assert.equal(Object.keys(partial).length, 3);
  });
});
