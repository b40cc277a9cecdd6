/**
 * The start-up cache for the bundle (src/boot/compile-cache.ts): V8 accepts what an earlier run
 * saved, a damaged or foreign cache is rejected and written again, a cache folder that cannot be
 * written only costs speed, and a new build's save removes the caches of the builds it replaced.
 * Real files and V8's own checks: no part of the cache is faked. Each load is a process of its own,
 * as each lsync run is: within one process V8 reuses what it compiled and never reads the cache.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const loader = new URL('../../src/boot/compile-cache.js', import.meta.url).href;

// Big enough that V8's cache is worth checking, and with a function that only runs when called.
const SOURCE = `'use strict';
const table = [];
for (let i = 0; i < 200; i++) table.push(i * i);
function later(n) { return table.slice(0, n).reduce((a, b) => a + b, 0); }
exports.sum = later;
exports.file = __filename;
exports.hasRequire = typeof require('node:path').join === 'function';
`;

async function fixture(): Promise<{ dir: string; bundle: string; env: { LSYNC_CACHE_DIR: string } }> {
  const dir = await mkdtemp(join(tmpdir(), 'lsync-ccache-'));
  const bundle = join(dir, 'bundle.cjs');
  await writeFile(bundle, SOURCE);
  return { dir, bundle, env: { LSYNC_CACHE_DIR: join(dir, 'cache') } };
}

interface Load {
  readonly cache: string;
  readonly cacheFile: string | undefined;
  readonly sum: number;
  readonly file: string;
  readonly hasRequire: boolean;
  /** What save() returned, twice in a row. */
  readonly saved: readonly boolean[];
}

/** Loads `bundle` in a new Node process, runs its function, saves the cache and says what happened. */
async function loadBundle(bundle: string, env: Record<string, string>): Promise<Load> {
  const script = `
    const { loadBundle } = await import(${JSON.stringify(loader)});
    const l = loadBundle(${JSON.stringify(bundle)}, process.env);
    const sum = l.exports.sum(4);
    const saved = [l.save(), l.save()];
    console.log(JSON.stringify({ cache: l.cache, cacheFile: l.cacheFile, sum, file: l.exports.file, hasRequire: l.exports.hasRequire, saved }));`;
  const out = await run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), ...env } });
  return JSON.parse(out.stdout) as Load;
}

test('a first run saves the cache after running; the next run has it accepted by V8', async () => {
  const { dir, bundle, env } = await fixture();
  try {
    const first = await loadBundle(bundle, env);
    assert.equal(first.cache, 'none');
    assert.equal(first.sum, 14, 'the module ran as CommonJS');
    assert.equal(first.file, bundle);
    assert.equal(first.hasRequire, true);
    assert.deepEqual(first.saved, [true, false], 'saved once');
    assert.ok(first.cacheFile !== undefined);
    assert.deepEqual(await readdir(join(dir, 'cache', 'v8')), [first.cacheFile.split('/').pop()], 'one file, no temporary left');

    const second = await loadBundle(bundle, env);
    assert.equal(second.cache, 'accepted');
    assert.equal(second.sum, 14);
    assert.deepEqual(second.saved, [false, false], 'an accepted cache is not written again');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged cache is rejected by V8 and written again', async () => {
  const { dir, bundle, env } = await fixture();
  try {
    const first = await loadBundle(bundle, env);
    assert.ok(first.cacheFile !== undefined);
    const good = await readFile(first.cacheFile);
    await writeFile(first.cacheFile, Buffer.from('not a V8 code cache at all'));
    const damaged = await loadBundle(bundle, env);
    assert.equal(damaged.cache, 'rejected');
    assert.equal(damaged.sum, 14, 'the run goes on without it');
    assert.deepEqual(damaged.saved, [true, false]);
    assert.equal((await readFile(first.cacheFile)).length, good.length, 'written again in full');
    assert.equal((await loadBundle(bundle, env)).cache, 'accepted');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a new build of the same copy replaces its cache; another copy keeps its own', async () => {
  const { dir, bundle, env } = await fixture();
  const other = join(dir, 'other.cjs');
  try {
    await writeFile(other, SOURCE);
    await loadBundle(bundle, env);
    const b = await loadBundle(other, env);
    // A rebuild: same place, new contents and time.
    await writeFile(bundle, `${SOURCE}\nexports.rebuilt = true;\n`);
    await utimes(bundle, new Date(), new Date(Date.now() + 5000));
    const rebuilt = await loadBundle(bundle, env);
    assert.equal(rebuilt.cache, 'none', 'a new build has a cache file of its own');
    const left = (await readdir(join(dir, 'cache', 'v8'))).sort();
    assert.deepEqual(left, [rebuilt.cacheFile, b.cacheFile].map((f) => f?.split('/').pop()).sort());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a cache folder that cannot be written costs only speed; NODE_DISABLE_COMPILE_CACHE turns it off', async () => {
  const { dir, bundle } = await fixture();
  try {
    // A file where the cache folder would go: mkdir fails under it.
    await writeFile(join(dir, 'blocked'), 'a file');
    const blocked = await loadBundle(bundle, { LSYNC_CACHE_DIR: join(dir, 'blocked') });
    assert.equal(blocked.sum, 14);
    assert.deepEqual(blocked.saved, [false, false]);

    const off = await loadBundle(bundle, { LSYNC_CACHE_DIR: join(dir, 'cache'), NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.equal(off.cache, 'off');
    assert.equal(off.sum, 14);
    assert.deepEqual(off.saved, [false, false]);
    assert.deepEqual((await readdir(dir)).filter((n) => n === 'cache'), [], 'nothing written');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const bundleUrl = new URL('../../bundle/lsync.cjs', import.meta.url);
const mainUrl = new URL('../../src/cli/main.js', import.meta.url);
// bin/lsync.js runs tsc's output, not the bundle, when tsc ran after the last bundle was made.
const bundleStale = (statSync(bundleUrl, { throwIfNoEntry: false })?.mtimeMs ?? 0) < (statSync(mainUrl, { throwIfNoEntry: false })?.mtimeMs ?? 0);

test('the CLI keeps its cache in LSYNC_CACHE_DIR and runs the same with it', { skip: bundleStale ? 'the bundle is older than tsc\'s output: `npm run build` makes both' : false }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lsync-ccache-cli-'));
  const bin = fileURLToPath(new URL('../../../bin/lsync.js', import.meta.url));
  try {
    const env = { ...process.env, LSYNC_CACHE_DIR: dir };
    const first = await run(process.execPath, [bin, '--version'], { env });
    const files = await readdir(join(dir, 'v8'));
    assert.equal(files.length, 1, `one cache file (${files.join(', ')})`);
    const second = await run(process.execPath, [bin, '--version'], { env });
    assert.equal(second.stdout, first.stdout);
    // No import() is left in the bundle: a vm.Script could not run one (scripts/bundle.ts).
    assert.doesNotMatch(await readFile(bundleUrl, 'utf8'), /\bimport\(/);
    assert.match(first.stdout, /^\d+\.\d+\.\d+/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a bundle that is not ASCII is still read as UTF-8 (the one-byte read is only for ASCII)', async () => {
  const { dir, bundle, env } = await fixture();
  try {
    await writeFile(bundle, `${SOURCE}exports.file = 'déjà vu ✓ ${'\u{1F600}'}';\n`);
    const loaded = await loadBundle(bundle, env);
    assert.equal(loaded.file, 'déjà vu ✓ \u{1F600}');
    assert.equal(loaded.sum, 14);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
