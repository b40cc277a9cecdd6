import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { LsyncError } from '../../src/core/errors.js';
import type { BaseEntry } from '../../src/core/types.js';
import { scanLocal } from '../../src/scan/local.js';
import { escapeName } from '../../src/scan/walk.js';
import { paths, tempDir, writeTree } from './helpers.js';

const none = new Map<string, BaseEntry>();
const isRoot = process.getuid?.() === 0;

test('ignore files at several levels prune the walk', async (t) => {
  const root = tempDir(t);
  writeTree(root, {
    '.lsyncignore': '*.log\nbuild/\n/root-only.txt\n',
    'a.log': '',
    'root-only.txt': '',
    'build/out.o': '',
    'src/root-only.txt': '',
    'src/main.c': '',
    'src/.lsyncignore': '!important.log\n/generated/\n',
    'src/important.log': '',
    'src/other.log': '',
    'src/generated/x.c': '',
    'src/lib/generated/y.c': '',
    'src/lib/build/z.o': '',
  });
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(paths(scan), ['.lsyncignore', 'src/.lsyncignore', 'src/important.log', 'src/lib/generated/y.c', 'src/main.c', 'src/root-only.txt']);
  assert.equal(scan.ignore.ignores('build/anything', false), true);
  assert.equal(scan.ignore.ignores('src/generated/new.c', false), true);
  assert.equal(scan.ignore.ignores('src/x.log', false), true);
  assert.equal(scan.ignore.ignores('src/important.log', false), false);
});

test('an ignore file can ignore itself and still applies', async (t) => {
  const root = tempDir(t);
  writeTree(root, { 'd/.lsyncignore': '.lsyncignore\n*.tmp\n', 'd/a.tmp': '', 'd/b': '' });
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(paths(scan), ['d/b']);
});

test('.gitignore files count only when enabled, and .lsyncignore wins in the same folder', async (t) => {
  const root = tempDir(t);
  writeTree(root, { '.gitignore': '*.log\nnode_modules/\n', '.lsyncignore': '!keep.log\n', 'a.log': '', 'keep.log': '', 'node_modules/m/index.js': '', 'x': '' });
  const plain = await scanLocal(root, { base: none });
  assert.deepEqual(paths(plain), ['.gitignore', '.lsyncignore', 'a.log', 'keep.log', 'node_modules/m/index.js', 'x']);
  const withGit = await scanLocal(root, { base: none, useGitignore: true });
  assert.deepEqual(paths(withGit), ['.gitignore', '.lsyncignore', 'keep.log', 'x']);
});

test('.lsync is excluded at any depth', async (t) => {
  const root = tempDir(t);
  writeTree(root, { '.lsync/index.yaml': '', 'a/.lsync': 'a file named .lsync', 'a/b': '', '.lsyncignore': '!.lsync/\n!.lsync\n' });
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(paths(scan), ['.lsyncignore', 'a/b']);
  assert.deepEqual(scan.nested, []);
});

test('nested repositories are reported and left out, also from the rules', async (t) => {
  const root = tempDir(t);
  writeTree(root, { 'projects/other/.lsync/config.yaml': '', 'projects/other/file': '', 'projects/other/sub/f': '', 'projects/mine': '' });
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(paths(scan), ['projects/mine']);
  assert.deepEqual(scan.nested, ['projects/other']);
  assert.equal(scan.ignore.ignores('projects/other/remote-only', false), true);
  assert.deepEqual(scan.emptyDirs, []);
});

test('symbolic links are skipped and never followed', async (t) => {
  const root = tempDir(t);
  const outside = tempDir(t);
  writeTree(outside, { 'secret.txt': 'outside' });
  writeTree(root, { 'real/file.txt': 'x' });
  symlinkSync('real/file.txt', join(root, 'to-file'));
  symlinkSync('real', join(root, 'to-dir'));
  symlinkSync(outside, join(root, 'to-outside'));
  symlinkSync('nowhere', join(root, 'dangling'));
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(paths(scan), ['real/file.txt']);
  assert.deepEqual(
    scan.skipped.map((s) => s.path),
    ['dangling', 'to-dir', 'to-file', 'to-outside'],
  );
  for (const s of scan.skipped) assert.match(s.reason, /symbolic link/);
  // A scope through a link is not followed either.
  const scoped = await scanLocal(root, { base: none, scopes: ['to-outside/secret.txt'] });
  assert.equal(scoped.entries.size, 0);
});

test('ignored links are not reported', async (t) => {
  const root = tempDir(t);
  writeTree(root, { '.lsyncignore': 'link\n' });
  symlinkSync('.lsyncignore', join(root, 'link'));
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(scan.skipped, []);
});

test('sockets are skipped with a reason', async (t) => {
  const root = tempDir(t);
  writeTree(root, { f: '' });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(root, 'sock'), resolve));
  t.after(() => server.close());
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(paths(scan), ['f']);
  assert.deepEqual(scan.skipped, [{ path: 'sock', reason: 'socket' }]);
});

test('scopes: a file, a folder, several, and paths that do not exist', async (t) => {
  const root = tempDir(t);
  writeTree(root, { '.lsyncignore': '*.log\n', 'a/x': '', 'a/y.log': '', 'a/b/z': '', 'ab/w': '', 'c/d': '', 'top': '' });
  const folder = await scanLocal(root, { base: none, scopes: ['a'] });
  assert.deepEqual(paths(folder), ['a/b/z', 'a/x'], 'the root rules apply inside a scope; ab/ is not a/');
  const file = await scanLocal(root, { base: none, scopes: ['a/x'] });
  assert.deepEqual(paths(file), ['a/x']);
  const ignoredFile = await scanLocal(root, { base: none, scopes: ['a/y.log'] });
  assert.deepEqual(paths(ignoredFile), []);
  const several = await scanLocal(root, { base: none, scopes: ['c', 'a/b', 'a', 'top'] });
  assert.deepEqual(paths(several), ['a/b/z', 'a/x', 'c/d', 'top']);
  const missing = await scanLocal(root, { base: none, scopes: ['nope', 'a/nope/deeper', 'top/below'] });
  assert.deepEqual(paths(missing), []);
  assert.deepEqual(missing.skipped, []);
  const all = await scanLocal(root, { base: none, scopes: [] });
  assert.equal(all.entries.size, 6);
});

test('scopes inside ignored folders, nested repositories and .lsync are empty', async (t) => {
  const root = tempDir(t);
  writeTree(root, { '.lsyncignore': 'private/\n', 'private/a': '', 'other/.lsync/x': '', 'other/b': '', '.lsync/index.yaml': '' });
  assert.equal((await scanLocal(root, { base: none, scopes: ['private/a'] })).entries.size, 0);
  const nested = await scanLocal(root, { base: none, scopes: ['other/b'] });
  assert.equal(nested.entries.size, 0);
  assert.deepEqual(nested.nested, ['other']);
  assert.equal((await scanLocal(root, { base: none, scopes: ['.lsync'] })).entries.size, 0);
  await assert.rejects(scanLocal(root, { base: none, scopes: ['../etc'] }), (e: unknown) => e instanceof LsyncError && e.code === 'usage');
});

test('hashes: base hash reused on equal size and mtime, re-read otherwise', async (t) => {
  const root = tempDir(t);
  writeTree(root, { same: 'hello', touched: 'hello', racy: 'hello', grown: 'hello!' });
  const st = (p: string) => statSync(join(root, p));
  const md5hello = '5d41402abc4b2a76b9719d911017c592';
  const fake = 'f'.repeat(32);
  const rec = (path: string, extra: Partial<BaseEntry> = {}): BaseEntry => ({
    path, kind: 'file', size: 5, hash: fake, mtimeMs: st(path).mtimeMs, mode: 0o644, etag: fake, ...extra,
  });
  const base = new Map<string, BaseEntry>([
    ['same', rec('same')],
    ['touched', rec('touched', { mtimeMs: st('touched').mtimeMs - 1000 })],
    ['racy', rec('racy', { racy: true })],
    ['grown', rec('grown')],
  ]);
  const scan = await scanLocal(root, { base });
  assert.equal(scan.entries.get('same')?.hash, fake, 'stat matches: not read');
  assert.equal(scan.entries.get('touched')?.hash, md5hello);
  assert.equal(scan.entries.get('racy')?.hash, md5hello);
  assert.equal(scan.entries.get('grown')?.hash, createHash('md5').update('hello!').digest('hex'));
});

test('entries carry size, mtime with its fraction, and permission bits', async (t) => {
  const root = tempDir(t);
  writeTree(root, { 'run.sh': '#!/bin/sh\n' });
  chmodSync(join(root, 'run.sh'), 0o4755);
  const st = statSync(join(root, 'run.sh'));
  const e = (await scanLocal(root, { base: none })).entries.get('run.sh');
  const hash = createHash('md5').update('#!/bin/sh\n').digest('hex');
  assert.deepEqual(e, { path: 'run.sh', kind: 'file', size: 10, mtimeMs: st.mtimeMs, mode: 0o4755, hash });
});

test('odd names: spaces, URL characters, emoji, NFC and NFD, long names', async (t) => {
  const root = tempDir(t);
  const nfc = 'caf\u00e9';
  const nfd = 'cafe\u0301';
  const long = 'x'.repeat(251) + '.txt';
  writeTree(root, { 'with space/a b.txt': '1', '+%#?&=.txt': '2', '😀/🎉.txt': '3', [nfc]: '4', [nfd]: '55', [long]: '6', 'tab\there': '7', 'new\nline': '8' });
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(paths(scan), ['+%#?&=.txt', nfd, nfc, 'new\nline', 'tab\there', 'with space/a b.txt', long, '😀/🎉.txt'].sort());
  assert.equal(scan.entries.get(nfc)?.size, 1);
  assert.equal(scan.entries.get(nfd)?.size, 2);
});

test('names that are not UTF-8 are skipped with a reason', async (t) => {
  const root = tempDir(t);
  writeTree(root, { ok: '' });
  try {
    writeFileSync(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'x');
  } catch {
    t.skip('this file system refuses names that are not UTF-8');
    return;
  }
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(paths(scan), ['ok']);
  assert.equal(scan.skipped.length, 1);
  assert.match(scan.skipped[0]?.reason ?? '', /not valid UTF-8/);
  assert.equal(scan.skipped[0]?.path, 'bad-\\xff\\xfe.txt', 'named by its bytes, escaped');
  assert.equal(scan.skipped[0]?.badName, true);
});

test('escapeName: valid UTF-8 as it is, other bytes and backslashes escaped', () => {
  assert.equal(escapeName(Buffer.from('caf\u00e9 \u{1F600}.txt')), 'caf\u00e9 \u{1F600}.txt');
  assert.equal(escapeName(Buffer.concat([Buffer.from('a'), Buffer.from([0xc3]), Buffer.from('b\\c'), Buffer.from([0xed, 0xa0, 0x80])])), 'a\\xc3b\\\\c\\xed\\xa0\\x80');
});

test('empty folders are reported, counting ignored entries as nothing', async (t) => {
  const root = tempDir(t);
  writeTree(root, { 'empty/': '', 'only-ignored/x.tmp': '', '.lsyncignore': '*.tmp\n', 'outer/inner/': '', 'full/f': '' });
  const scan = await scanLocal(root, { base: none });
  assert.deepEqual(scan.emptyDirs, ['empty', 'only-ignored', 'outer/inner']);
});

test('an unreadable folder is reported, not thrown', { skip: isRoot ? 'running as root, which reads any folder' : false }, async (t) => {
  const root = tempDir(t);
  writeTree(root, { 'locked/f': '', 'open/g': '' });
  chmodSync(join(root, 'locked'), 0o000);
  // Restored here rather than in an after hook: hooks run in order, and the removal comes first.
  const scan = await scanLocal(root, { base: none }).finally(() => chmodSync(join(root, 'locked'), 0o755));
  assert.deepEqual(paths(scan), ['open/g']);
  assert.equal(scan.skipped.length, 1);
  assert.equal(scan.skipped[0]?.path, 'locked');
  assert.match(scan.skipped[0]?.reason ?? '', /unreadable directory \(EACCES\)/);
});

test('a missing repository folder throws', async (t) => {
  const root = tempDir(t);
  await assert.rejects(scanLocal(join(root, 'absent'), { base: none }), (e: unknown) => e instanceof LsyncError && e.code === 'local-io');
  await assert.rejects(scanLocal(join(root, 'absent'), { base: none, scopes: ['a'] }), (e: unknown) => e instanceof LsyncError && e.code === 'local-io');
});

test('an aborted scan rejects', async (t) => {
  const root = tempDir(t);
  writeTree(root, { 'a/b': '' });
  mkdirSync(join(root, 'c'));
  await assert.rejects(scanLocal(root, { base: none, signal: AbortSignal.abort() }), { name: 'AbortError' });
});
