/** Entry kinds in the database: dir records round-trip, and records written before kinds existed are files. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dirBase } from '../../src/core/dirs.js';
import { decodeEntry, encodeEntry, normalizeEntry } from '../../src/state/entry-codec.js';
import { formatIndex, parseIndex } from '../../src/state/index-format.js';

const HASH = '0123456789abcdef0123456789abcdef';

test('a dir record round-trips through the index, with its own-marker flag', () => {
  const own = dirBase('photos/2024', 'etag-1', 'v1', true);
  const foreign = dirBase('shared', 'etag-2', undefined, false);
  const text = [...formatIndex(new Map([[own.path, own], [foreign.path, foreign]]))].join('');
  assert.match(text, /"k":"dir"/);
  const back = parseIndex(text, 'index.yaml');
  assert.deepEqual(back.get('photos/2024'), own);
  assert.deepEqual(back.get('shared'), foreign);
  assert.deepEqual(normalizeEntry(own), own);
});

test('a record without a kind (an older database) is a file', () => {
  const e = decodeEntry({ p: 'a.txt', s: 3, h: HASH, m: 1, mo: 420, e: HASH });
  assert.ok(typeof e !== 'string');
  assert.equal(e.kind, 'file');
  assert.equal(encodeEntry(e).includes('"k":"file"'), true);
});

test('unknown kinds and a malformed own-marker flag are refused with a clear reason', () => {
  assert.equal(decodeEntry({ p: 'a', k: 'socket', s: 0, h: HASH, m: 1, mo: 0, e: '' }), 'field "k" (kind) must be "file", "link" or "dir"');
  assert.equal(decodeEntry({ p: 'a', k: 'dir', s: 0, h: HASH, m: 1, mo: 0, e: '', o: 'yes' }), 'field "o" (own marker) must be true or false');
});
