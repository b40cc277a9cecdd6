/** The test wrappers themselves: what withFaults and withCounters promise beyond the retry tests. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withCounters, withFaults, type InjectedFault } from '../../src/remote/wrap/index.js';
import { fileRemote, md5, putText, readAll } from './helpers.js';

describe('withFaults', () => {
  test('fraction: the seed decides which calls fail, the same way every run', async () => {
    const base = await fileRemote();
    const run = async (seed: number): Promise<InjectedFault[]> => {
      const remote = withFaults(base, { seed, rules: [{ op: 'stat', fraction: 0.3, fault: { type: 'fail' } }] });
      for (let i = 0; i < 40; i++) await remote.stat('x').catch(() => undefined);
      return [...remote.injected];
    };
    const first = await run(7);
    assert.deepEqual(await run(7), first);
    assert.ok(first.length > 3 && first.length < 25, `${first.length} of 40 failed`);
    assert.notDeepEqual((await run(8)).map((f) => f.n), first.map((f) => f.n));
  });

  test('delay holds the call; an abort cuts the delay short', async () => {
    const remote = withFaults(await fileRemote(), { rules: [{ op: 'stat', path: 'slow', fault: { type: 'delay', ms: 150 } }] });
    let started = Date.now();
    assert.equal(await remote.stat('slow'), undefined);
    assert.ok(Date.now() - started >= 140);
    started = Date.now();
    assert.equal(await remote.stat('fast'), undefined);
    assert.ok(Date.now() - started < 140);
    started = Date.now();
    await assert.rejects(remote.stat('slow', AbortSignal.timeout(20)));
    assert.ok(Date.now() - started < 140);
  });

  test('path predicates and per-rule call numbers', async () => {
    const base = await fileRemote();
    const remote = withFaults(base, { rules: [{ op: '*', path: (p) => p.startsWith('tmp/'), calls: [2], fault: { type: 'fail', kind: 'permanent' } }] });
    await putText(remote, 'tmp/a', 'a'); // call 1 of the rule
    await putText(remote, 'keep/b', 'b'); // not matched
    await assert.rejects(remote.stat('tmp/a'), /injected permanent fault \(before the call, call 2\)/);
    assert.ok((await remote.stat('tmp/a')) !== undefined);
  });
});

describe('withCounters', () => {
  test('counts calls per op, bytes offered by puts and bytes read from bodies', async () => {
    const remote = withCounters(await fileRemote());
    const data = Buffer.alloc(100_000, 7);
    await remote.put('a.bin', { kind: 'bytes', data }, { meta: { md5: md5(data) } });
    await readAll((await remote.get('a.bin')).body);
    await readAll((await remote.get('a.bin', { start: 10, end: 1010 })).body);
    for await (const _ of remote.list()) void _;
    await remote.delete('a.bin');
    assert.deepEqual(remote.counters, {
      check: { calls: 0, bytes: 0 },
      list: { calls: 1, bytes: 0 },
      stat: { calls: 0, bytes: 0 },
      get: { calls: 2, bytes: 101_000 },
      put: { calls: 1, bytes: 100_000 },
      copy: { calls: 0, bytes: 0 },
      delete: { calls: 1, bytes: 0 },
      discardUpload: { calls: 0, bytes: 0 },
      listVersions: { calls: 0, bytes: 0 },
      getVersion: { calls: 0, bytes: 0 },
      getIfChanged: { calls: 0, bytes: 0 },
      keepVersion: { calls: 0, bytes: 0 },
      pruneVersions: { calls: 0, bytes: 0 },
    });
  });
});
