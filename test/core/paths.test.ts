/**
 * The one key order (UTF-8 bytes, as S3 lists keys) and the fast sort that must agree with it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compareKeys, META_DIR, pathProblem, sortKeys } from '../../src/core/paths.js';

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

// Characters on both sides of the places where UTF-16 and UTF-8 order part: ASCII around '/',
// BMP letters, U+E000..U+FFFF, and astral characters (surrogate pairs).
const char = fc.constantFrom('a', 'b', '-', '.', '/', '0', 'é', 'ž', '\uE000', '\uFFFD', '😀', '𝄞');
const key = fc.array(char, { maxLength: 6 }).map((cs) => cs.join(''));

test('compareKeys is UTF-8 byte order', () => {
  fc.assert(fc.property(key, key, (a, b) => Math.sign(compareKeys(a, b)) === Math.sign(utf8Order(a, b))));
});

test('sortKeys sorts like compareKeys, with and without the characters where the orders differ', () => {
  fc.assert(
    fc.property(fc.array(key, { maxLength: 40 }), (keys) => {
      assert.deepEqual(sortKeys([...keys]), [...keys].sort(utf8Order));
    }),
    { numRuns: 500 },
  );
  // The common case, plain ASCII, takes the native sort and must still be byte order.
  assert.deepEqual(sortKeys(['b/c', 'a-b', 'a/b', 'a.b', 'A']), ['A', 'a-b', 'a.b', 'a/b', 'b/c']);
  // U+E000 sorts before an astral character in UTF-8, after it in UTF-16.
  assert.deepEqual(sortKeys(['😀', '\uE000']), ['\uE000', '😀']);
});

/** pathProblem as first written (split into segments): the reference for the one that does not split. */
function pathProblemBySplit(path: string): string | undefined {
  if (path.length === 0) return 'empty path';
  if (path.startsWith('/')) return 'absolute path';
  if (path.includes('\0')) return 'NUL byte in name';
  for (const s of path.split('/')) {
    if (s === '') return 'empty path segment';
    if (s === '.' || s === '..') return `"${s}" path segment`;
    if (s === META_DIR) return `inside a ${META_DIR}/ folder`;
  }
  return undefined;
}

test('pathProblem names the first problem of a path', () => {
  const cases: [string, string | undefined][] = [
    ['a/b.txt', undefined],
    ['.hidden/.x', undefined],
    ['a/.lsyncrc', undefined],
    ['a/..b', undefined],
    ['', 'empty path'],
    ['/etc/passwd', 'absolute path'],
    ['a\0b', 'NUL byte in name'],
    ['a//b', 'empty path segment'],
    ['a/', 'empty path segment'],
    ['./a', '"." path segment'],
    ['a/../../b', '".." path segment'],
    ['.lsync/index.yaml', 'inside a .lsync/ folder'],
    ['sub/.lsync', 'inside a .lsync/ folder'],
    ['a/../.lsync', '".." path segment'],
  ];
  for (const [path, problem] of cases) assert.equal(pathProblem(path), problem, JSON.stringify(path));
});

test('property: pathProblem without splitting agrees with splitting into segments', () => {
  const piece = fc.constantFrom('/', '.', '..', '.lsync', '.lsyncx', 'l', 'a', '\0', 'é', '😀');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const path = pieces.join('');
      assert.equal(pathProblem(path), pathProblemBySplit(path));
    }),
    { numRuns: 3000 },
  );
});
