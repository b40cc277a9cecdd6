/**
 * Several writers feeding at once, each in a process of its own (append-worker.ts), while a reader
 * polls: every record is seen, none by a fallback to a full listing. On moto, conditional creates
 * give each record its own number; on s3rver (creates not conditional) numbers may repeat and the
 * reader's listing and re-read window must still find them all; file:// for the directory remote.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { FileRemote } from '../../src/remote/file/file-remote.js';
import type { Remote } from '../../src/remote/remote.js';
import { FeedReader, type PollOutcome } from '../../src/feed/reader.js';
import { serverKinds, useServer } from '../support/servers.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import type { WorkerJob } from './append-worker.js';

const WRITERS = 3;
const EACH = 10;
const worker = join(dirname(fileURLToPath(import.meta.url)), 'append-worker.js');

function runWorker(job: WorkerJob): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [worker, JSON.stringify(job)], (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`writer ${job.writer} failed: ${stderr}`));
      else resolve(JSON.parse(stdout) as number[]);
    });
  });
}

async function severalWriters(reader: Remote, job: (writer: string) => WorkerJob): Promise<void> {
  const r = new FeedReader(reader, 'reader', await FeedReader.start(reader));
  const seen = new Set<string>();
  const outcomes: PollOutcome[] = [];
  const take = async (): Promise<PollOutcome> => {
    let p: PollOutcome;
    try {
      p = await r.poll();
    } catch {
      // As in the watcher: a poll that failed (s3rver cuts connections under load) is retried by the next.
      return { kind: 'changes', paths: new Set(), records: 0 };
    }
    outcomes.push(p);
    if (p.kind === 'changes') for (const path of p.paths) seen.add(path);
    return p;
  };
  let done = false;
  const writers = Promise.all(Array.from({ length: WRITERS }, (_, i) => runWorker(job(`w${i}`)))).finally(() => {
    done = true;
  });
  // Poll while they write: a record that lands below the reader's number must still be read.
  while (!done) {
    await take();
    await new Promise((res) => setTimeout(res, 20));
  }
  const seqs = (await writers).flat();
  while ((await take()).kind !== 'idle');
  assert.equal(seqs.length, WRITERS * EACH);
  if (reader.capabilities.conditionalWrites) assert.equal(new Set(seqs).size, WRITERS * EACH, `each record its own number: ${seqs.join(',')}`);
  assert.deepEqual(outcomes.filter((o) => o.kind === 'full'), [], 'no fallback to a listing');
  const want = Array.from({ length: WRITERS }, (_, i) => Array.from({ length: EACH }, (_, j) => `w${i}/f${j}`)).flat().sort();
  assert.deepEqual([...seen].sort(), want);
  assert.ok(outcomes.filter((o) => o.kind === 'changes').length >= 1);
}

describe('several writer processes at once [file://]', () => {
  test('every record is seen', async () => {
    const base = await mkdtemp(join(tmpdir(), 'lsync-feed-writers-'));
    const dir = join(base, '.lsync', 'feed');
    await mkdir(dir, { recursive: true });
    const store = new FileRemote(dir);
    try {
      await severalWriters(store, (writer) => ({ writer, count: EACH, dir }));
    } finally {
      await store.close();
      await rm(base, { recursive: true, force: true });
    }
  });
});

for (const kind of serverKinds()) {
  describe(`several writer processes at once [${kind}]`, () => {
    const server = useServer(kind);
    test(kind === 'moto' ? 'every record is seen, each with its own number (conditional creates)' : 'every record is seen (unique names, listing and re-read window)', async () => {
      const s = server();
      const bucket = await s.createBucket();
      const options = { bucket, prefix: 'team/.lsync/feed/', conditionalWrites: kind === 'moto' };
      const store = s3RemoteOn(s, options);
      try {
        await severalWriters(store, (writer) => ({
          writer,
          count: EACH,
          s3: { ...options, endpoint: s.endpoint, provider: s.kind, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } },
        }));
      } finally {
        await store.close();
      }
    });
  });
}
