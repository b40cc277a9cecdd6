/**
 * The package as a user gets it (issue 11, defect 15): `npm pack` ships the built CLI and not the
 * tests or the bench, and the tarball installs with `npm install -g` and runs a real sync from the
 * installed copy (against a file:// remote), with none of this checkout on its module path.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface PackFile {
  readonly path: string;
}

test('npm pack → npm install -g → lsync --version and a sync from the installed copy', { timeout: 600_000 }, async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-pack-'));
  try {
    // --ignore-scripts: the test runs after `npm run build`; packing must not rebuild under it.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root });
    const info = JSON.parse(packed.stdout) as { filename: string; files: PackFile[] }[];
    const first = info[0];
    assert.ok(first !== undefined);
    const files = first.files.map((f) => f.path);
    assert.ok(files.includes('dist/bundle/lsync.cjs'), 'the bundle is shipped');
    assert.ok(files.includes('bin/lsync.js'));
    assert.ok(files.includes('package.json'));
    assert.deepEqual(files.filter((f) => /^(dist\/)?(test|bench|scripts)\//.test(f) || f.startsWith('src/')), [], 'no tests, bench, scripts or TypeScript sources');

    const prefix = join(tmp, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(tmp, first.filename)], { cwd: tmp });
    const lsync = join(prefix, 'bin', 'lsync');
    const env = { PATH: process.env['PATH'] ?? '', HOME: tmp };
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    const version = await run(lsync, ['--version'], { cwd: tmp, env });
    assert.equal(version.stdout.trim(), pkg.version);
    // The installed copy keeps V8's compiled code for the next start (src/boot/compile-cache.ts).
    assert.equal((await readdir(join(tmp, '.cache', 'lsync', 'v8'))).filter((f) => f.endsWith('.v8')).length, 1, 'a start-up cache in ~/.cache/lsync');

    const work = join(tmp, 'work');
    const remote = join(tmp, 'remote');
    await mkdir(work);
    await writeFile(join(work, 'hello.txt'), 'hello from the installed copy\n');
    await run(lsync, ['init', `file://${remote}`, '--create-bucket'], { cwd: work, env });
    const pushed = await run(lsync, ['push'], { cwd: work, env });
    assert.match(pushed.stdout, /uploaded/);
    assert.ok((await readdir(remote)).includes('hello.txt'), `remote holds: ${(await readdir(remote)).join(', ')}`);
    assert.equal(await readFile(join(remote, 'hello.txt'), 'utf8'), 'hello from the installed copy\n');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
