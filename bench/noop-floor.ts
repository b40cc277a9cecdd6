/**
 * The floor under any no-op of a repository, run as its own process by bench/feed-noop.ts: a
 * bare Node process that does only what every way of answering "did anything change here?" must
 * do without a resident process (a watcher or a file-system monitor) to ask: read the last synced
 * state (origin's index.yaml and journal.yaml, one JSON.parse per line) and lstat every file of the tree (sync
 * calls, the fastest way on a cached tree), comparing size and mtime. No S3 client, no request,
 * no ignore rules, no plan: lsync's no-op with the change feed can only be slower.
 *
 *     node dist/bench/noop-floor.js <repository folder>
 *
 * Prints `<files> files, <changed> changed` on stdout.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: node dist/bench/noop-floor.js <repository folder>');

interface Entry {
  readonly op?: 'set' | 'del';
  readonly p: string;
  readonly s: number;
  readonly m: number;
}
const state = join(root, '.lsync', 'remotes', 'origin');
const base = new Map<string, Entry>();
for (const line of readFileSync(join(state, 'index.yaml'), 'utf8').split('\n')) {
  if (!line.startsWith('  - {')) continue;
  const entry = JSON.parse(line.slice(4)) as Entry;
  base.set(entry.p, entry);
}
// The changes recorded since the index was last written.
for (const line of readFileSync(join(state, 'journal.yaml'), 'utf8').split('\n')) {
  if (!line.startsWith('- {')) continue;
  const record = JSON.parse(line.slice(2)) as Entry;
  if (record.op === 'del') base.delete(record.p);
  else base.set(record.p, record);
}

let files = 0;
let changed = 0;
const visit = (rel: string): void => {
  for (const d of readdirSync(rel === '' ? root : join(root, rel), { withFileTypes: true })) {
    if (d.name === '.lsync') continue;
    const path = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) {
      visit(path);
      continue;
    }
    const st = lstatSync(join(root, path));
    const b = base.get(path);
    files++;
    if (b === undefined || b.s !== st.size || b.m !== st.mtimeMs) changed++;
  }
};
visit('');
process.stdout.write(`${files} files, ${changed} changed\n`);
