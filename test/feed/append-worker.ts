/**
 * A feed writer in a process of its own, for the several-writers test (feed-writers.test.ts):
 * `node append-worker.js '<json>'` appends `count` records as `writer`, one after the other, the way
 * a run's recorder does (retried after a transient failure), and prints the numbers it got as JSON. The store is a directory (`dir`) or an S3 prefix.
 */
import { FileRemote } from '../../src/remote/file/file-remote.js';
import type { Remote } from '../../src/remote/remote.js';
import { S3Remote, type S3RemoteOptions } from '../../src/remote/s3/s3-remote.js';
import { appendWithRetry } from '../../src/feed/writer.js';

export interface WorkerJob {
  readonly writer: string;
  readonly count: number;
  readonly dir?: string;
  readonly s3?: S3RemoteOptions;
}

const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
const store: Remote = job.dir !== undefined ? new FileRemote(job.dir) : new S3Remote(job.s3 ?? { bucket: '', prefix: '' });
const seqs: number[] = [];
try {
  for (let i = 0; i < job.count; i++) seqs.push(await appendWithRetry(store, { writer: job.writer, changes: [{ op: 'put', path: `${job.writer}/f${i}` }] }));
} finally {
  await store.close();
}
process.stdout.write(`${JSON.stringify(seqs)}\n`);
