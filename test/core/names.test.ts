/**
 * Names that cannot round-trip: twins under case or normalisation folding, files against folders,
 * keys over S3's limit. Pure function, table-style.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkNames, checkNamesInFull, foldName, isRefused, type FsBehaviour } from '../../src/core/names.js';

const SENSITIVE: FsBehaviour = { caseInsensitive: false, normalisationInsensitive: false };
const NOCASE: FsBehaviour = { caseInsensitive: true, normalisationInsensitive: false };
const NOFORM: FsBehaviour = { caseInsensitive: false, normalisationInsensitive: true };
const APFS: FsBehaviour = { caseInsensitive: true, normalisationInsensitive: true };

const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';

function refused(local: string[], remote: string[], fs: FsBehaviour, prefix?: number, max?: number): string[] {
  const c = checkNames({ local, remote, fs, ...(prefix !== undefined ? { keyPrefixBytes: prefix } : {}), ...(max !== undefined ? { maxKeyBytes: max } : {}) });
  return [...new Set([...local, ...remote])].filter((p) => isRefused(c, p)).sort();
}

test('foldName folds only what the file system ignores', () => {
  assert.equal(foldName('Report.TXT', SENSITIVE), 'Report.TXT');
  assert.equal(foldName('Report.TXT', NOCASE), 'report.txt');
  assert.equal(foldName(NFD, NOFORM), NFC);
  assert.notEqual(foldName(NFD, NOCASE), foldName(NFC, NOCASE));
  assert.equal(foldName('CAFE\u0301.txt', APFS), foldName(NFC, APFS));
});

test('a case-sensitive, normalisation-sensitive file system: twins are different files', () => {
  const c = checkNames({ local: [], remote: ['Report.txt', 'report.txt', NFC, NFD], fs: SENSITIVE });
  assert.deepEqual(c.problems, []);
});

test('case-only twins on the remote are refused on a case-insensitive file system, with both names', () => {
  const c = checkNames({ local: [], remote: ['Report.txt', 'report.txt', 'other.txt'], fs: NOCASE });
  assert.equal(c.problems.length, 1);
  const p = c.problems[0];
  assert.ok(p !== undefined && p.kind === 'twins');
  assert.deepEqual(p.spellings.map((s) => s.path), ['Report.txt', 'report.txt']);
  assert.match(p.message, /"Report\.txt".*"report\.txt"/);
  assert.match(p.message, /rename one/);
  assert.match(p.message, /ignores case/);
  assert.deepEqual(refused([], ['Report.txt', 'report.txt', 'other.txt'], NOCASE), ['Report.txt', 'report.txt']);
});

test('NFC/NFD twins are refused when the file system normalises, and told apart in the message', () => {
  const c = checkNames({ local: [], remote: [NFC, NFD], fs: NOFORM });
  assert.equal(c.problems.length, 1);
  const msg = c.problems[0]?.message ?? '';
  assert.match(msg, /\(NFC\)/);
  assert.match(msg, /\(NFD\)/);
  assert.match(msg, /normalisation/);
  // Not twins where only case is ignored.
  assert.deepEqual(checkNames({ local: [], remote: [NFC, NFD], fs: NOCASE }).problems, []);
});

test('a local spelling and a different remote spelling of one name are refused too', () => {
  // Otherwise the local file would be uploaded under its spelling and the object downloaded onto it.
  const c = checkNames({ local: ['notes/README.md'], remote: ['notes/readme.md'], fs: NOCASE });
  assert.equal(c.problems.length, 1);
  assert.match(c.problems[0]?.message ?? '', /"notes\/README\.md" \(here\) and "notes\/readme\.md" \(on the remote\)/);
  // The same spelling on both sides is the ordinary case.
  assert.deepEqual(checkNames({ local: ['a/B.txt'], remote: ['a/B.txt'], fs: APFS }).problems, []);
});

test('folder twins refuse everything below both spellings, said once', () => {
  const remote = ['Docs/a.txt', 'docs/b.txt', 'docs/c/d.txt', 'Docs/c/d.txt', 'keep.txt'];
  const c = checkNames({ local: [], remote, fs: NOCASE });
  assert.equal(c.problems.length, 1, JSON.stringify(c.problems));
  assert.match(c.problems[0]?.message ?? '', /"Docs\/".*"docs\/".*same folder/);
  assert.deepEqual(refused([], remote, NOCASE), ['Docs/a.txt', 'Docs/c/d.txt', 'docs/b.txt', 'docs/c/d.txt']);
});

test('a file and a folder of the same name are refused on any file system', () => {
  const remote = ['a', 'a/b', 'a/c/d', 'ab', 'z'];
  const c = checkNames({ local: [], remote, fs: SENSITIVE });
  assert.equal(c.problems.length, 1);
  const p = c.problems[0];
  assert.ok(p !== undefined && p.kind === 'file-folder');
  assert.match(p.message, /file "a" \(on the remote\) and folder "a\/" \(on the remote\)/);
  assert.deepEqual(refused([], remote, SENSITIVE), ['a', 'a/b', 'a/c/d']);
  // A local file against a remote folder, too.
  assert.deepEqual(refused(['x'], ['x/y'], SENSITIVE), ['x', 'x/y']);
  // And across case folding.
  assert.deepEqual(refused(['X'], ['x/y'], NOCASE), ['X', 'x/y']);
  assert.deepEqual(refused(['X'], ['x/y'], SENSITIVE), []);
});

test('local keys over the limit are refused, counting the prefix and UTF-8 bytes', () => {
  const long = `${'d'.repeat(500)}/${'f'.repeat(500)}`; // 1,001 bytes
  assert.deepEqual(refused([long, 'short'], [], SENSITIVE, 23), []); // 1,024 exactly: fine
  assert.deepEqual(refused([long, 'short'], [], SENSITIVE, 24), [long]);
  const c = checkNames({ local: [long], remote: [], fs: SENSITIVE, keyPrefixBytes: 100 });
  const p = c.problems[0];
  assert.ok(p !== undefined && p.kind === 'too-long');
  assert.equal(p.bytes, 1101);
  assert.match(p.message, /1101 bytes.*1024/);
  // Multi-byte characters count as their UTF-8 bytes.
  assert.deepEqual(refused(['\u00e9'.repeat(6)], [], SENSITIVE, 0, 11), ['\u00e9'.repeat(6)]);
  // No limit without a prefix length (a file:// remote).
  assert.deepEqual(refused([`${'x'.repeat(2000)}`], [], SENSITIVE), []);
});

// Its speed is part of the no-op figures in bench/ (a timed assertion here failed on loaded machines).
test('nothing to refuse in an ordinary tree of 50,000 files', () => {
  const paths = Array.from({ length: 50_000 }, (_, i) => `dir${i % 100}/sub${i % 7}/file-${i}.txt`);
  const c = checkNames({ local: paths, remote: paths, fs: APFS, keyPrefixBytes: 20 });
  assert.deepEqual(c.problems, []);
  assert.deepEqual([...c.paths], []);
});

// checkNames skips collecting spellings on a literal file system when no path is both a file and
// a folder: it must find exactly what the full check finds, clashes, kind changes and long keys included.
test('the shortcut for literal file systems finds exactly what the full check finds', () => {
  // Few names over a shallow tree, so that file/folder clashes and shared folders are common.
  const path = fc.array(fc.constantFrom('a', 'b', 'c', 'a/b', 'x'), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
  const paths = fc.uniqueArray(path, { maxLength: 12 });
  fc.assert(
    fc.property(paths, paths, paths, paths, fc.option(fc.integer({ min: 0, max: 1020 }), { nil: undefined }), fc.boolean(), (local, remote, localDirs, remoteDirs, keyPrefixBytes, changed) => {
      const input = {
        local,
        remote,
        localDirs,
        remoteDirs,
        fs: SENSITIVE,
        ...(keyPrefixBytes !== undefined ? { keyPrefixBytes, maxKeyBytes: 1024 } : {}),
        kindChange: (p: string) => changed && p.length % 2 === 1,
      };
      const fast = checkNames(input);
      const full = checkNamesInFull(input);
      assert.deepEqual(fast.problems, full.problems);
      assert.deepEqual([...fast.paths].sort(), [...full.paths].sort());
      assert.deepEqual(fast.folders, full.folders);
    }),
    { numRuns: 500 },
  );
});

test('a file and a folder of one name are still found on a literal file system, given as one-shot iterables', () => {
  const remote = new Map([['a', 1], ['b/c', 1]]);
  const c = checkNames({ local: ['b'].values(), remote: remote.keys(), fs: SENSITIVE });
  assert.deepEqual(c.problems.map((p) => p.kind), ['file-folder']);
  assert.ok(isRefused(c, 'b') && isRefused(c, 'b/c'));
});
