/**
 * Worker thread behind md5-thread.ts: MD5s of a file's bytes, read from the file itself (the page
 * cache, usually) so that the thread moving those bytes over the network does not hash them too.
 *
 * workerData `{ file, mode }`:
 * - 'follow': the file is being appended to. `{ upTo }` says how many bytes are final on disk;
 *   `{ upTo, end: true }` asks for the MD5 of them all, answered with `{ digest, bytes }`.
 * - 'ranges': `{ id, offset, length }` asks for the MD5 of that range, answered with
 *   `{ id, digest }` (or `{ id, error }`), in the order asked.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const READ = 1024 * 1024;
const port = parentPort;
const { file, mode } = workerData as { file: string; mode: 'follow' | 'ranges' };
if (port === null) throw new Error('md5-worker runs as a worker thread');
const fd = openSync(file, 'r');
const buf = Buffer.allocUnsafe(READ);

/** Feeds bytes [from, to) of the file to `md5`; returns how many there were (fewer at end of file). */
function feed(md5: Hash, from: number, to: number): number {
  let position = from;
  while (position < to) {
    const n = readSync(fd, buf, 0, Math.min(READ, to - position), position);
    if (n === 0) break;
    md5.update(buf.subarray(0, n));
    position += n;
  }
  return position - from;
}

if (mode === 'follow') {
  const md5 = createHash('md5');
  let position = 0;
  port.on('message', (m: { upTo: number; end?: boolean }) => {
    const got = feed(md5, position, m.upTo);
    position += got;
    if (position < m.upTo) throw new Error(`${file}: shorter than the ${m.upTo} bytes written to it`);
    if (m.end === true) {
      closeSync(fd);
      port.postMessage({ digest: md5.digest('hex'), bytes: position });
    }
  });
} else {
  port.on('message', (m: { id: number; offset: number; length: number }) => {
    try {
      const md5 = createHash('md5');
      const got = feed(md5, m.offset, m.offset + m.length);
      if (got !== m.length) throw new Error(`${file}: shorter than ${m.offset + m.length} bytes`);
      port.postMessage({ id: m.id, digest: md5.digest('hex') });
    } catch (err) {
      port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
