/**
 * The one key order (UTF-8 bytes, as S3 lists keys) and the fast sort that must agree with it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compareKeys, sortKeys } from '../../src/core/paths.js';

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
