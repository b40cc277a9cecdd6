/** withRetry against a real file:// remote, with failures injected by withFaults. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareKeys } from '../../src/core/paths.js';
import { RemoteError, type ListHints, type Remote, type RemoteObject } from '../../src/remote/remote.js';
import { withCounters, withFaults, withRetry, wrapRemote, type FaultRule, type RetryInfo } from '../../src/remote/wrap/index.js';
import { fileRemote, listPaths, md5, putText, readAll } from './helpers.js';
import { ForwardingRemote, PASS_THROUGH } from '../../src/remote/wrap/forward.js';

/** Lists in a fixed scrambled order when the caller allows any order (as s3rver's walk does); in byte order otherwise. */
class ServiceOrder extends ForwardingRemote {
  constructor(inner: Remote, private readonly seed: number) {
    super(inner, PASS_THROUGH);
  }

  override async *list(under?: string, signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject> {
    const all: RemoteObject[] = [];
    for await (const o of this.inner.list(under, signal, hints)) all.push(o);
    if (hints?.anyOrder !== true) return yield* all;
    // A deterministic shuffle: the same permutation on every call.
    let x = this.seed;
    for (let i = all.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const j = x % (i + 1);
      [all[i], all[j]] = [all[j] as RemoteObject, all[i] as RemoteObject];
    }
    yield* all;
  }
}

/** Retry options for tests: no real waiting, a fixed jitter, the waits recorded. */
function instant(retries: RetryInfo[] = []): { random: () => number; sleep: () => Promise<void>; onRetry: (i: RetryInfo) => void } {
  return { random: () => 0.5, sleep: async () => undefined, onRetry: (i) => retries.push(i) };
}

describe('withRetry', () => {
  test('recovers from transient failures, with exponential backoff and jitter', async () => {
    const base = await fileRemote();
    const faults = withFaults(base, { rules: [{ op: 'put', calls: [1, 2, 3], fault: { type: 'fail' } }] });
    const counted = withCounters(faults);
    const retries: RetryInfo[] = [];
    const remote = withRetry(counted, { ...instant(retries), baseMs: 100, maxMs: 300 });

    await putText(remote, 'docs/a.txt', 'hello');

    assert.equal((await readAll((await base.get('docs/a.txt')).body)).toString(), 'hello');
    assert.equal(counted.counters.put.calls, 4);
    // random 0.5 × min(maxMs, 100 × 2^(n-1)): 50, 100, then capped at 300 → 150.
    assert.deepEqual(retries.map((r) => [r.op, r.path, r.attempt, r.delayMs, r.error.kind]), [
      ['put', 'docs/a.txt', 1, 50, 'transient'],
      ['put', 'docs/a.txt', 2, 100, 'transient'],
      ['put', 'docs/a.txt', 3, 150, 'transient'],
    ]);
  });

  test('gives up after the attempts with one line naming the path and the last reason', async () => {
    const counted = withCounters(withFaults(await fileRemote(), { rules: [{ op: 'put', fault: { type: 'fail' } }] }));
    const remote = withRetry(counted, { ...instant(), attempts: 3 });

    const err = await putText(remote, 'docs/a.txt', 'hello').then(() => undefined, (e: unknown) => e);

    assert.ok(err instanceof RemoteError);
    assert.equal(err.kind, 'transient');
    assert.equal(err.path, 'docs/a.txt');
    assert.match(err.message, /^put "docs\/a\.txt" in file:\/\/\/\S+: gave up after 3 attempts: injected transient fault \(before the call, call 3\)$/);
    assert.ok(!err.message.includes('\n'));
    assert.equal(counted.counters.put.calls, 3);
  });

  for (const kind of ['permanent', 'not-found', 'auth', 'precondition'] as const) {
    test(`does not retry a '${kind}' failure`, async () => {
      const counted = withCounters(withFaults(await fileRemote(), { rules: [{ op: 'stat', fault: { type: 'fail', kind } }] }));
      const remote = withRetry(counted, instant());
      await assert.rejects(remote.stat('a.txt'), (e: unknown) => e instanceof RemoteError && e.kind === kind && !e.message.includes('gave up'));
      assert.equal(counted.counters.stat.calls, 1);
    });
  }

  test('an abort during the backoff stops at once', async () => {
    const remote = withRetry(withFaults(await fileRemote(), { rules: [{ op: 'delete', fault: { type: 'fail' } }] }), {
      baseMs: 60_000,
      random: () => 1,
      onRetry: () => setTimeout(() => controller.abort(new Error('stop: user pressed ^C')), 20),
    });
    const controller = new AbortController();
    const started = Date.now();
    await assert.rejects(remote.delete('a.txt', { signal: controller.signal }), /stop: user pressed/);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });

  test('a listing that breaks part-way is restarted and yields each path once, in order', async () => {
    const base = await fileRemote();
    const paths = ['a', 'b/1', 'b/2', 'c', 'd/x/y', 'e', 'f', 'g'];
    for (const p of paths) await putText(base, p, p);
    const counted = withCounters(
      withFaults(base, {
        rules: [
          { op: 'list', calls: [1], fault: { type: 'break-list', afterItems: 3 } },
          { op: 'list', calls: [2], fault: { type: 'fail' } },
          { op: 'list', calls: [3], fault: { type: 'break-list', afterItems: 5 } },
        ],
      }),
    );
    // Three failures in three attempts: enough, because a listing that made progress starts afresh.
    const remote = withRetry(counted, { ...instant(), attempts: 3 });
    assert.deepEqual(await listPaths(remote), paths);
    assert.equal(counted.counters.list.calls, 4);
  });

  test('a listing that fails before its first object uses up the attempts', async () => {
    const remote = withRetry(withFaults(await fileRemote(), { rules: [{ op: 'list', fault: { type: 'fail' } }] }), { ...instant(), attempts: 2 });
    await assert.rejects(listPaths(remote, 'photos'), /^RemoteError: list "photos" in file:\/\/\/\S+: gave up after 2 attempts/);
    // The whole repository's listing names the remote alone, once (describeOp), never `list ""`.
    await assert.rejects(listPaths(remote), /^RemoteError: list file:\/\/\/\S+: gave up after 2 attempts: injected transient fault/);
  });

  test('property: listings broken at random points yield exactly the listing', async () => {
    const base = await fileRemote();
    // Outside the BMP, UTF-16 order and byte order disagree: \u{1F600} sorts after \uFFFD in bytes.
    const paths = ['a', 'a.b', 'a0/b', 'b', 'c/\u{1F600}', 'c/\uFFFD', 'd', 'e/f/g', 'h', 'i'];
    for (const p of paths) await putText(base, p, p);
    const sorted = [...paths].sort(compareKeys);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: paths.length }), { maxLength: 6 }), fc.integer({ min: 1, max: 1000 }), async (breaks, seed) => {
        const rules: FaultRule[] = breaks.map((afterItems, i) => ({ op: 'list', calls: [i + 1], fault: { type: 'break-list', afterItems } }));
        const remote = withRetry(withFaults(base, { rules, seed }), { ...instant(), attempts: 10 });
        assert.deepEqual(await listPaths(remote), sorted);
      }),
      { numRuns: 40 },
    );
  });

  test('property: a listing in the service\'s own order (anyOrder), broken at random points, yields every object once', async () => {
    const base = await fileRemote();
    const paths = ['a', 'a.b', 'a0/b', 'b', 'c/\u{1F600}', 'c/\uFFFD', 'd', 'e/f/g', 'h', 'i'];
    for (const p of paths) await putText(base, p, p);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: paths.length }), { maxLength: 6 }), fc.integer({ min: 1, max: 1000 }), async (breaks, seed) => {
        const rules: FaultRule[] = breaks.map((afterItems, i) => ({ op: 'list', calls: [i + 1], fault: { type: 'break-list', afterItems } }));
        // The same order on every attempt, as a service walking its storage gives (s3rver).
        const remote = withRetry(withFaults(new ServiceOrder(base, seed), { rules, seed }), { ...instant(), attempts: 10 });
        const listed: string[] = [];
        for await (const o of remote.list('', undefined, { anyOrder: true })) listed.push(o.path);
        // Restarted listings skip by path, not by byte order: nothing lost, nothing twice.
        assert.deepEqual([...listed].sort(compareKeys), [...paths].sort(compareKeys));
      }),
      { numRuns: 60 },
    );
  });

  test('a conditional put whose answer was lost, but which landed, counts as done', async () => {
    const base = await fileRemote();
    const faults = withFaults(base, { rules: [{ op: 'put', calls: [1], fault: { type: 'fail', landed: true } }] });
    const remote = withRetry(faults, instant());
    const data = Buffer.from('new file');

    const result = await remote.put('n.txt', { kind: 'bytes', data }, { meta: { md5: md5(data) }, ifNoneMatch: true });

    const now = await base.stat('n.txt');
    assert.equal(result.etag, now?.etag);
    assert.deepEqual(faults.injected.map((f) => f.type), ['fail']);
    // Without retry, the same plan reports the lost answer; a plain second try says 'precondition'.
    const bare = withFaults(base, { rules: [{ op: 'put', calls: [1], fault: { type: 'fail', landed: true } }] });
    await assert.rejects(putText(bare, 'm.txt', 'x', { ifNoneMatch: true }), (e: unknown) => e instanceof RemoteError && e.kind === 'transient');
    await assert.rejects(putText(bare, 'm.txt', 'x', { ifNoneMatch: true }), (e: unknown) => e instanceof RemoteError && e.kind === 'precondition');
  });

  test('a conditional put that lost a race during its backoff still fails with precondition', async () => {
    const base = await fileRemote();
    const remote = withRetry(
      withFaults(base, {
        rules: [
          { op: 'put', path: 'r.txt', calls: [1], fault: { type: 'fail' } },
          // Another machine writes its own version of r.txt while we wait to retry.
          { op: 'put', path: 'r.txt', calls: [2], fault: { type: 'hook', run: () => putText(base, 'r.txt', 'theirs') } },
        ],
      }),
      instant(),
    );
    await assert.rejects(putText(remote, 'r.txt', 'ours', { ifNoneMatch: true }), (e: unknown) => e instanceof RemoteError && e.kind === 'precondition');
    assert.equal((await readAll((await base.get('r.txt')).body)).toString(), 'theirs');
  });

  test('get: the request is retried; a body that breaks later is reported to the reader', async () => {
    const base = await fileRemote();
    await putText(base, 'big.bin', 'x'.repeat(200_000));
    const counted = withCounters(
      withFaults(base, {
        rules: [
          { op: 'get', calls: [1], fault: { type: 'fail' } },
          { op: 'get', calls: [2], fault: { type: 'break-body', afterBytes: 70_000 } },
        ],
      }),
    );
    const remote = wrapRemote(counted, { retry: instant() });
    const { body } = await remote.get('big.bin');
    await assert.rejects(readAll(body), (e: unknown) => e instanceof RemoteError && e.kind === 'transient' && /body broken after 70000 bytes/.test(e.message));
    assert.equal(counted.counters.get.calls, 2);
    assert.equal(counted.counters.get.bytes, 70_000);
  });

  test('wrapRemote without retry passes the first failure through', async () => {
    const remote = wrapRemote(await fileRemote(), { retry: false, faults: { rules: [{ op: 'check', fault: { type: 'fail' } }] } });
    await assert.rejects(remote.check(), /injected transient fault/);
  });
});
