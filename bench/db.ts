/**
 * Database benchmark: save and load of the index, journal cost of a small run, memory at 1M.
 *
 *     npx tsc -p . --outDir dist-state && node dist-state/bench/db.js [entries=100000] [big=1000000]
 *
 * Each measurement that reports memory runs in a fresh child process, so RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';
import type { BaseEntry } from '../src/core/types.js';
import { writeFileAtomic } from '../src/state/atomic.js';
import { INDEX_FILE, JOURNAL_FILE, openDatabase } from '../src/state/db.js';
import { encodeEntry } from '../src/state/entry-codec.js';
import { formatIndex } from '../src/state/index-format.js';

function makeEntries(n: number): BaseEntry[] {
  const out = new Array<BaseEntry>(n);
  for (let i = 0; i < n; i++) {
    const hash = createHash('md5').update(String(i)).digest('hex');
    const e: BaseEntry = {
      path: `projects/p${i % 97}/src/module-${i % 1009}/file ${i}.ts`,
      kind: 'file',
      size: (i * 7919) % 1_000_000,
      hash,
      mtimeMs: 1732100000000 + i + 0.5,
      mode: 0o644,
      etag: hash,
      ...(i % 3 === 0 ? { versionId: `v${i.toString(36)}.Xq9-3kJ_aaa` } : {}),
    };
    out[i] = e;
  }
  return out;
}

/** Wall time, and CPU time of this process (user + system; fairer on a busy machine). */
interface Took {
  readonly ms: number;
  readonly cpuMs: number;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, Took]> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return [value, { ms: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: (used.user + used.system) / 1000 }];
}

function byPath(entries: readonly BaseEntry[]): Map<string, BaseEntry> {
  return new Map(entries.map((e) => [e.path, e]));
}

const MB = 1024 * 1024;
const fmt = (t: Took | undefined): string => (t === undefined ? '' : `${t.ms.toFixed(0)} ms (cpu ${t.cpuMs.toFixed(0)})`);
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MiB`.padStart(11);

/** Child mode: write or load `n` entries in `dir` and print one JSON line of figures. */
async function child(mode: string, n: number, dir: string): Promise<void> {
  if (mode === 'write') {
    const entries = byPath(makeEntries(n));
    const [, save] = await timed(() => writeFileAtomic(join(dir, INDEX_FILE), formatIndex(entries)));
    console.log(JSON.stringify({ save, rss: process.memoryUsage().rss }));
    return;
  }
  const [db, load] = await timed(() => openDatabase(dir));
  const gc = (globalThis as { gc?: () => void }).gc;
  const peak = process.memoryUsage().rss;
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  console.log(JSON.stringify({ load, size: db.entries.size, peak, rss, heapUsed }));
}

interface ChildFigures {
  readonly save?: Took;
  readonly load?: Took;
  readonly peak?: number;
  readonly rss?: number;
  readonly heapUsed?: number;
}

function runChild(mode: string, n: number, dir: string): ChildFigures {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', script, '--child', mode, String(n), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child ${mode} ${n} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildFigures;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const big = Number(process.argv[3] ?? 1_000_000);
  const dir = await mkdtemp(join(tmpdir(), 'lsync-bench-'));
  const rows: string[][] = [];
  try {
    // lsync format, in process (warm) and in a fresh process (cold, with RSS).
    const entries = makeEntries(n);
    const map = byPath(entries);
    const [, save] = await timed(() => writeFileAtomic(join(dir, INDEX_FILE), formatIndex(map)));
    const [db, load1] = await timed(() => openDatabase(dir));
    if (db.entries.size !== n) throw new Error('load lost entries');
    await db.close();
    const indexBytes = (await stat(join(dir, INDEX_FILE))).size;
    const cold = runChild('load', n, dir);
    rows.push([`lsync index, ${n}`, fmt(save), fmt(load1), fmt(cold.load), mb(indexBytes), mb(cold.heapUsed ?? 0), mb(cold.rss ?? 0)]);

    // The real compaction path: an index loaded (so the map is in path order), k changes, compact().
    const loaded = await openDatabase(dir);
    for (let i = 0; i < 100; i++) loaded.set({ ...(entries[i * 7] as BaseEntry), size: 2 });
    const [, compact] = await timed(() => loaded.compact());
    await loaded.close();
    rows.push([`compact() after load, ${n}`, fmt(compact), '', '', mb((await stat(join(dir, INDEX_FILE))).size), '', '']);

    // The same data through plain js-yaml, for comparison.
    const records = entries.map((e) => JSON.parse(encodeEntry(e)) as unknown);
    const yamlFile = join(dir, 'plain.yaml');
    const [, yamlSave] = await timed(() => writeFile(yamlFile, dump({ version: 1, entries: records })));
    const [, yamlLoad] = await timed(async () => load(await readFile(yamlFile, 'utf8')));
    rows.push([`js-yaml dump/load, ${n}`, fmt(yamlSave), fmt(yamlLoad), '', mb((await stat(yamlFile)).size), '', '']);

    // A run that changes k files appends O(k) bytes to the journal and leaves the index alone.
    for (const k of [1, 100]) {
      const run = await openDatabase(dir);
      for (let i = 0; i < k; i++) run.set({ ...entries[i * 13] as BaseEntry, size: 1 });
      const [, flush] = await timed(() => run.close());
      const journalBytes = (await stat(join(dir, JOURNAL_FILE))).size;
      rows.push([`run setting ${k} → journal`, fmt(flush), '', '', `${journalBytes} B`.padStart(11), '', '']);
      await rm(join(dir, JOURNAL_FILE));
    }

    // Scale: a million entries, each step in its own process.
    if (big > 0) {
      const bigDir = join(dir, 'big');
      await rm(bigDir, { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.mkdir(bigDir));
      const w = runChild('write', big, bigDir);
      const l = runChild('load', big, bigDir);
      rows.push([
        `lsync index, ${big}`,
        fmt(w.save),
        '',
        fmt(l.load),
        mb((await stat(join(bigDir, INDEX_FILE))).size),
        mb(l.heapUsed ?? 0),
        `${mb(l.rss ?? 0)} (peak ${mb(l.peak ?? 0).trim()})`,
      ]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const head = ['case', 'save', 'load (warm)', 'load (fresh process)', 'file', 'heap after load', 'RSS after load'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] ?? 'load', Number(process.argv[4]), process.argv[5] ?? '.');
} else {
  await main();
}
