/**
 * Where the progress line's byte events come from (issue 11, defect 12): a multipart upload
 * reports each part as it streams (not once per finished part) and the counts add up to the file
 * once; hashing reports as it reads (before an upload, and in the scan); and a push of a big new file shows `hashing <path> n%` on a
 * terminal, its path relative to the current folder. Real servers, real files, no timing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { hashFile } from '../../src/scan/hash.js';
import { scanLocal } from '../../src/scan/local.js';
import { fileDigests } from '../../src/scan/md5-thread.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer } from '../support/servers.js';
import { runCli } from './run.js';

const MiB = 1024 * 1024;
const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lsync-progress-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('hashing reports every chunk it reads, and all of them add up to the file', async () => {
  const file = join(dir, 'hash.bin');
  const data = randomBytes(5 * MiB + 123);
  await writeFile(file, data);
  const seen: number[] = [];
  assert.equal(await hashFile(file, undefined, (n) => seen.push(n)), md5(data));
  assert.ok(seen.length > 4, `read in chunks: ${seen.length} reports`);
  assert.equal(seen.reduce((a, b) => a + b, 0), data.length);
  const parts: number[] = [];
  const digests = await fileDigests(file, data.length, 2 * MiB, undefined, (n) => parts.push(n));
  assert.equal(digests.md5, md5(data));
  assert.deepEqual(parts.sort((a, b) => a - b), [MiB + 123, 2 * MiB, 2 * MiB]);
});

for (const kind of serverKinds()) {
  describe(`a multipart upload's progress (${kind})`, () => {
    const server = useServer(kind);
    test('moves as each part streams, and counts every byte once', async () => {
      const bucket = await server().createBucket();
      const remote = s3RemoteOn(server(), { bucket, prefix: 'progress/', multipartThreshold: 5 * MiB, partSize: 5 * MiB, concurrency: 1 });
      try {
        const file = join(dir, `${kind}.bin`);
        const data = randomBytes(11 * MiB);
        await writeFile(file, data);
        const reports: number[] = [];
        await remote.put('big.bin', { kind: 'file', file, size: data.length }, { meta: { md5: md5(data) }, onProgress: (n) => reports.push(n) });
        assert.equal(reports.reduce((a, b) => a + b, 0), data.length, 'every byte once');
        assert.ok(reports.length > 3 * 4, `more reports than parts: ${reports.length}`);
        assert.ok((reports[0] ?? 0) < 5 * MiB, `the first report comes before the first part is through: ${reports[0]}`);
      } finally {
        await remote.close();
      }
    });
  });
}

test('push of a big new file on a terminal: "hashing <path> n%" before the bytes move', async () => {
  const work = join(dir, 'work');
  await mkdir(join(work, 'media'), { recursive: true });
  await writeFile(join(work, 'media', 'big.bin'), randomBytes(12 * MiB));
  const init = await runCli(['init', `file://${join(dir, 'remote')}`, '--create-bucket'], work);
  assert.equal(init.code, 0, init.stderr);
  let stderr = '';
  let stdout = '';
  const code = await main(['push'], {
    stdout: { write: (s: string) => (stdout += s) },
    // A terminal: the live line is drawn (its first draw is never held back).
    stderr: { write: (s: string) => (stderr += s), isTTY: true, columns: 200 },
    cwd: join(work, 'media'),
    env: {},
  });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^uploaded +big\.bin$/m);
  const drawn = stderr.split('\r\x1b[K').filter((l) => l !== '');
  // No rate of nothing and no forecast while the file is read: what happens is said instead.
  assert.match(drawn[0] ?? '', /^0\/1 files, 0 B\/12 MiB, hashing big\.bin \d+%$/);
});

test('the scan reports a big file it hashes, each byte once; status shows it on a terminal, then clears it', async () => {
  const work = join(dir, 'scan');
  await mkdir(join(work, 'media'), { recursive: true });
  const size = 9 * MiB;
  await writeFile(join(work, 'media', 'big.bin'), randomBytes(size));
  await writeFile(join(work, 'small.txt'), 'small');
  const counts = new Map<string, number>();
  await scanLocal(work, { base: new Map(), onHashed: (path, bytes, of) => counts.set(`${path} of ${of}`, (counts.get(`${path} of ${of}`) ?? 0) + bytes) });
  assert.deepEqual([...counts], [[`media/big.bin of ${size}`, size]], 'small files are not reported');

  assert.equal((await runCli(['init', `file://${join(dir, 'scan-remote')}`, '--create-bucket'], work)).code, 0);
  assert.equal((await runCli(['push'], work)).code, 0);
  await writeFile(join(work, 'media', 'big.bin'), randomBytes(size)); // changed: the scan hashes it again
  let stderr = '';
  let stdout = '';
  const code = await main(['status'], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: true, columns: 200 },
    cwd: work,
    env: {},
  });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^ {2}upload +media\/big\.bin$/m);
  assert.match(stderr, /^\r\x1b\[Khashing media\/big\.bin \d+%/);
  assert.ok(stderr.endsWith('\r\x1b[K'), 'the line is gone before the plan is printed');
});
