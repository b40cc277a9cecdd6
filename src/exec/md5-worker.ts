/**
 * Worker thread of FileHasher (file-hasher.ts): the MD5 of a file that another thread is
 * appending to, read back as it grows. Messages `{ upTo }` say how many bytes are final on disk;
 * `{ upTo, end: true }` asks for the digest, answered with `{ digest, bytes }`.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

interface Message {
  readonly upTo: number;
  readonly end?: boolean;
}

const READ = 4 * 1024 * 1024;
const port = parentPort;
const file = (workerData as { file: string }).file;
if (port === null) throw new Error('md5-worker runs as a worker thread');
const fd = openSync(file, 'r');
const md5 = createHash('md5');
const buf = Buffer.allocUnsafe(READ);
let position = 0;

port.on('message', (m: Message) => {
  while (position < m.upTo) {
    const n = readSync(fd, buf, 0, Math.min(READ, m.upTo - position), position);
    if (n === 0) throw new Error(`${file}: shorter than the ${m.upTo} bytes written to it`);
    md5.update(buf.subarray(0, n));
    position += n;
  }
  if (m.end === true) {
    closeSync(fd);
    port.postMessage({ digest: md5.digest('hex'), bytes: position });
  }
});
