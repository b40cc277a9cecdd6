/**
 * Download resumes wait by the project's one backoff (remote/backoff.ts), as the retry wrapper and
 * the multipart part loop do: each resumption of a body that broke off comes after the policy's
 * delay, small objects and large ones alike; a GET that fails outright is the wrappers' to retry.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fetchObject, Partials, WORKER_HASH_MIN } from '../../src/exec/download.js';
import { backoff } from '../../src/remote/backoff.js';
import { withFaults } from '../../src/remote/wrap/index.js';
import type { FaultRule } from '../../src/remote/wrap/faults.js';
import { fileRemote, md5, MiB, tempDir } from '../remote-wrap/helpers.js';

/** Fetch `size` random bytes through faults; returns the waits the policy was asked for. */
async function fetchWith(size: number, rules: FaultRule[]): Promise<{ waits: number[]; ok: boolean }> {
  const data = randomBytes(size);
  const files = await fileRemote();
  await files.put('o.bin', { kind: 'bytes', data }, { meta: { md5: md5(data) } });
  const object = await files.stat('o.bin');
  assert.ok(object !== undefined);
  const tmpDir = join(await tempDir(), 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const waits: number[] = [];
  // random() = 0.5: each wait is half its ceiling (100, 200, 400 ms for a 200 ms base), never slept for real.
  const policy = backoff({ baseMs: 200, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
  const remote = withFaults(files, { rules });
  try {
    const got = await fetchObject('o.bin', { etag: object.etag, size }, { remote, partials: await Partials.open(tmpDir, Date.now()), emit: () => undefined, backoff: policy });
    assert.equal(got.hash, md5(data));
    return { waits, ok: true };
  } catch {
    return { waits, ok: false };
  }
}

test('a large download resumes after the backoff of each attempt', async () => {
  const size = WORKER_HASH_MIN + 3 * MiB;
  const got = await fetchWith(size, [
    { op: 'get', calls: [1], fault: { type: 'break-body', afterBytes: 2 * MiB } },
    { op: 'get', calls: [2], fault: { type: 'break-body', afterBytes: 2 * MiB } },
  ]);
  assert.equal(got.ok, true);
  assert.deepEqual(got.waits, [100, 200]);
});

test('a small download asked for again whole, after the backoff; it gives up after the policy\'s attempts', async () => {
  const small = await fetchWith(64 * 1024, [{ op: 'get', calls: [1], fault: { type: 'break-body', afterBytes: 1000 } }]);
  assert.equal(small.ok, true);
  assert.deepEqual(small.waits, [100]);
  const never = await fetchWith(64 * 1024, [{ op: 'get', calls: [1, 2, 3, 4, 5], fault: { type: 'break-body', afterBytes: 1000 } }]);
  assert.equal(never.ok, false);
  assert.deepEqual(never.waits, [100, 200, 400], 'three resumptions (INLINE_RESUMES), each after its wait');
});

test('a GET that fails outright is not resumed here (the retry wrapper owns request retries)', async () => {
  const got = await fetchWith(64 * 1024, [{ op: 'get', calls: [1], fault: { type: 'fail' } }]);
  assert.equal(got.ok, false);
  assert.deepEqual(got.waits, []);
});
