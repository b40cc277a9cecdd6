import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BaseEntry } from '../../src/core/types.js';
import { hashFile, scanLocal } from '../../src/scan/local.js';
import { paths, tempDir, writeTree } from './helpers.js';

const isRoot = process.getuid?.() === 0;

test('hashFile: MD5 in lowercase hex, empty and multi-chunk files', async (t) => {
  const root = tempDir(t);
  const big = randomBytes(1024 * 1024 + 12345);
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'big'), big);
  assert.equal(await hashFile(join(root, 'empty')), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(await hashFile(join(root, 'big')), createHash('md5').update(big).digest('hex'));
});

test('hashFile does not read through a symbolic link', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'target'), 'x');
  symlinkSync('target', join(root, 'link'));
  await assert.rejects(hashFile(join(root, 'link')), { code: 'ELOOP' });
});

test('hashFile stops when aborted', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'f'), 'x');
  await assert.rejects(hashFile(join(root, 'f'), AbortSignal.abort()), { name: 'AbortError' });
});

test('a file that keeps changing while it is hashed is skipped', async (t) => {
  const root = tempDir(t);
  const file = join(root, 'growing.bin');
  writeFileSync(file, Buffer.alloc(32 * 1024 * 1024));
  // Append between the hash's reads (each read yields to the event loop) until the scan ends.
  let scanning = true;
  const grow = (): void => {
    if (!scanning) return;
    appendFileSync(file, 'x');
    setImmediate(grow);
  };
  setImmediate(grow);
  const scan = await scanLocal(root, { base: new Map<string, BaseEntry>() }).finally(() => {
    scanning = false;
  });
  assert.deepEqual(paths(scan), []);
  assert.deepEqual(scan.skipped, [{ path: 'growing.bin', reason: 'changing while scanned' }]);
});

test('named pipes are skipped, never opened', { skip: spawnSync('mkfifo', ['--version']).status === 0 ? false : 'mkfifo is not available' }, async (t) => {
  const root = tempDir(t);
  assert.equal(spawnSync('mkfifo', [join(root, 'pipe')]).status, 0);
  const scan = await scanLocal(root, { base: new Map<string, BaseEntry>() });
  assert.deepEqual(scan.skipped, [{ path: 'pipe', reason: 'named pipe' }]);
});

test('an unreadable file that needs hashing is reported; one matching its base is not read', { skip: isRoot ? 'running as root, which reads any file' : false }, async (t) => {
  const root = tempDir(t);
  writeTree(root, { locked: 'a', known: 'b' });
  chmodSync(join(root, 'locked'), 0o000);
  chmodSync(join(root, 'known'), 0o000);
  const st = statSync(join(root, 'known'));
  const known: BaseEntry = { path: 'known', kind: 'file', size: 1, hash: 'b'.repeat(32), mtimeMs: st.mtimeMs, mode: 0o644, etag: 'e' };
  const scan = await scanLocal(root, { base: new Map([['known', known]]) });
  assert.deepEqual(paths(scan), ['known']);
  assert.deepEqual(scan.skipped, [{ path: 'locked', reason: 'unreadable file (EACCES)' }]);
});

test('a folder whose ignore file cannot be read is skipped whole', { skip: isRoot ? 'running as root, which reads any file' : false }, async (t) => {
  const root = tempDir(t);
  writeTree(root, { 'd/.lsyncignore': 'secret\n', 'd/secret': '', 'e/f': '' });
  chmodSync(join(root, 'd/.lsyncignore'), 0o000);
  const scan = await scanLocal(root, { base: new Map<string, BaseEntry>() });
  assert.deepEqual(paths(scan), ['e/f']);
  assert.equal(scan.skipped[0]?.path, 'd');
});
