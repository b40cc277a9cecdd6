/**
 * Times a rescan of an unchanged 100,000-file tree whose base records all match by stat (the
 * common case of every sync). Not a test: run by hand after compiling,
 *
 *   node dist-scan/test/scan/scan-bench.js [files]
 *
 * The tree is built in /dev/shm when it exists (so the figure is the scanner's own cost, not the
 * disk's) and removed afterwards.
 */

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaseEntry } from '../../src/core/types.js';
import { scanLocal } from '../../src/scan/local.js';

const files = Number(process.argv[2] ?? 100_000);
const perDir = 100;
const parent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const root = mkdtempSync(join(parent, 'lsync-scan-bench-'));

try {
  let t = performance.now();
  // Two levels of folders, 100 files each, plus an ignore file and some ignored files so the
  // rules are exercised on every path.
  writeFileSync(join(root, '.lsyncignore'), '*.tmp\nbuild/\n!keep.tmp\n/top-only\n');
  for (let i = 0; i < files; i++) {
    const d = Math.floor(i / perDir);
    const dir = join(root, `d${Math.floor(d / 100)}`, `sub ${d % 100}`);
    if (i % perDir === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file-${i}.txt`), `content of file ${i}\n`);
  }
  for (let d = 0; d < 10; d++) writeFileSync(join(root, `d${d}`, 'scratch.tmp'), 'ignored');
  console.log(`built ${files} files under ${root} in ${(performance.now() - t).toFixed(0)} ms`);

  t = performance.now();
  const first = await scanLocal(root, { base: new Map() });
  console.log(`first scan (hashing everything): ${first.entries.size} files in ${(performance.now() - t).toFixed(0)} ms`);

  const base = new Map<string, BaseEntry>();
  for (const e of first.entries.values()) {
    base.set(e.path, { path: e.path, kind: 'file', size: e.size, hash: e.hash ?? '', mtimeMs: e.mtimeMs, mode: e.mode, etag: e.hash ?? '' });
  }

  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    t = performance.now();
    const again = await scanLocal(root, { base });
    times.push(performance.now() - t);
    if (again.entries.size !== first.entries.size) throw new Error('rescan found a different tree');
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`rescan (all stat-matching base): runs ${times.map((x) => x.toFixed(0)).join(', ')} ms; median ${(sorted[2] ?? 0).toFixed(0)} ms`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
