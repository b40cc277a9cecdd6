/**
 * withBandwidthLimit on file://, measured with the real clock (the evidence: the achieved
 * rate is within 15% of the limit), plus parseRate and the token bucket on a fake clock.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseRate, TokenBucket, withBandwidthLimit } from '../../src/remote/wrap/index.js';
import { fileRemote, md5, MiB, readAll, tempDir } from './helpers.js';
import { assertRate, timed } from './rate.js';

describe('parseRate', () => {
  const table: readonly [string, number][] = [
    ['100', 100],
    ['512K', 512 * 1024],
    ['512k', 512 * 1024],
    ['10M', 10 * MiB],
    ['1.5M', 1.5 * MiB],
    ['2G', 2 * 1024 * MiB],
    ['10MB', 10 * MiB],
    ['10MiB', 10 * MiB],
    ['10M/s', 10 * MiB],
    ['10MB/s', 10 * MiB],
    ['100B', 100],
    [' 64K ', 64 * 1024],
  ];
  for (const [text, rate] of table) test(`'${text}' → ${rate}`, () => assert.equal(parseRate(text), rate));

  for (const text of ['', 'fast', '10X', '-1M', '0', '0.5', 'M', '1.2.3M', '10 MB per s', '1e3']) {
    test(`'${text}' is refused in one line naming it`, () => {
      assert.throws(() => parseRate(text), (e: unknown) => e instanceof Error && e.message.includes(`"${text}"`) && !e.message.includes('\n'));
    });
  }
});

describe('TokenBucket (fake clock)', () => {
  test('starts empty, keeps the rate, and bursts at most its capacity after idling', async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = new TokenBucket(1000, {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    await bucket.take(500); // empty at start: half a second
    await bucket.take(500);
    assert.deepEqual(waits, [500, 500]);
    now += 10_000; // idle: refills to 1 s of rate, not 10 s
    waits.length = 0;
    await bucket.take(1000);
    await bucket.take(250);
    assert.deepEqual(waits, [250]);
  });

  test('concurrent takers queue: their total holds the rate', async () => {
    let now = 0;
    const ends: number[] = [];
    const bucket = new TokenBucket(1000, { now: () => now, sleep: async (ms) => void ends.push(now + ms) });
    await Promise.all([bucket.take(400), bucket.take(400), bucket.take(400)]);
    assert.deepEqual(ends, [400, 800, 1200]);
  });

  test('an abort while waiting rejects at once and gives the tokens back', async () => {
    const bucket = new TokenBucket(1024);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    const started = Date.now();
    await assert.rejects(bucket.take(64 * 1024, controller.signal), /cancelled/);
    assert.ok(Date.now() - started < 500);
  });
});

describe('withBandwidthLimit on file:// (real clock)', () => {
  test('upload of a 3 MiB file at 1 MiB/s', async () => {
    const remote = withBandwidthLimit(await fileRemote(), MiB);
    const data = randomBytes(3 * MiB);
    const file = join(await tempDir(), 'up.bin');
    await writeFile(file, data);
    const seconds = await timed(() => remote.put('up.bin', { kind: 'file', file, size: data.byteLength }, { meta: { md5: md5(data) } }));
    assertRate('file:// upload', data.byteLength, seconds, MiB);
  });

  test('download of 3 MiB at 1 MiB/s', async () => {
    const base = await fileRemote();
    const data = randomBytes(3 * MiB);
    await base.put('down.bin', { kind: 'bytes', data }, { meta: { md5: md5(data) } });
    const remote = withBandwidthLimit(base, MiB);
    let got: Buffer = Buffer.alloc(0);
    const seconds = await timed(async () => {
      got = await readAll((await remote.get('down.bin')).body);
    });
    assert.ok(got.equals(data));
    assertRate('file:// download', data.byteLength, seconds, MiB);
  });

  test('an upload and a download at once share one limit', async () => {
    const base = await fileRemote();
    const down = randomBytes(1.5 * MiB);
    const up = randomBytes(1.5 * MiB);
    await base.put('down.bin', { kind: 'bytes', data: down }, { meta: { md5: md5(down) } });
    const remote = withBandwidthLimit(base, MiB);
    const seconds = await timed(() =>
      Promise.all([
        remote.get('down.bin').then((r) => readAll(r.body)),
        remote.put('up.bin', { kind: 'bytes', data: up }, { meta: { md5: md5(up) } }),
      ]),
    );
    assertRate('file:// upload + download', down.byteLength + up.byteLength, seconds, MiB);
  });
});
