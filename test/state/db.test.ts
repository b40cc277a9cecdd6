import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { LsyncError } from '../../src/core/errors.js';
import { compareKeys } from '../../src/core/paths.js';
import type { BaseEntry } from '../../src/core/types.js';
import { openDatabase, INDEX_FILE, JOURNAL_FILE } from '../../src/state/db.js';
import { FastIndexReader, formatIndex, parseFast, parseIndex } from '../../src/state/index-format.js';
import { entry, md5, ODD_NAMES, tempMeta } from './helpers.js';

function sorted(m: ReadonlyMap<string, BaseEntry>): BaseEntry[] {
  return [...m.values()].sort((a, b) => compareKeys(a.path, b.path));
}

function isCorrupt(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof LsyncError, `expected LsyncError, got ${String(err)}`);
    assert.equal(err.code, 'corrupt-database');
    assert.match(err.message, pattern);
    assert.ok(err.hint !== undefined && err.hint.includes('lsync sync'));
    return true;
  };
}

test('a repository without database files is an empty database, and opening creates nothing', async () => {
  const t = await tempMeta();
  try {
    const db = await openDatabase(t.meta);
    assert.equal(db.entries.size, 0);
    await db.flush();
    await db.close();
    await assert.rejects(stat(t.meta), { code: 'ENOENT' });
  } finally {
    await t.cleanup();
  }
});

test('odd names and every field round-trip through the journal and through the index', async () => {
  const t = await tempMeta();
  try {
    const entries = ODD_NAMES.map((p, i) =>
      entry(p, { ...(i % 2 === 0 ? { versionId: `v"${i}\n` } : {}), ...(i % 3 === 0 ? { racy: i % 2 === 0 } : {}), etag: `e\\${i}` }),
    );
    const db = await openDatabase(t.meta);
    for (const e of entries) db.set(e);
    await db.close(); // below the compaction threshold: journal only
    await assert.rejects(stat(join(t.meta, INDEX_FILE)), { code: 'ENOENT' });
    const viaJournal = await openDatabase(t.meta);
    assert.deepEqual(sorted(viaJournal.entries), sorted(new Map(entries.map((e) => [e.path, e]))));
    await viaJournal.compact();
    await viaJournal.close();
    assert.equal((await readFile(join(t.meta, JOURNAL_FILE))).length, 0);
    const viaIndex = await openDatabase(t.meta);
    assert.deepEqual(sorted(viaIndex.entries), sorted(viaJournal.entries));
    await viaIndex.close();
    // Both files are YAML that a generic parser reads to the same values.
    const text = await readFile(join(t.meta, INDEX_FILE), 'utf8');
    const doc = load(text) as { entries: { p: string }[] };
    assert.deepEqual(doc.entries.map((e) => e.p), sorted(viaIndex.entries).map((e) => e.path));
    assert.equal(text.split('\n').length, 3 + 1 + entries.length + 1, 'one line per entry');
    assert.equal(parseFast(text, 'f')?.size, entries.length, 'the fast reader reads what the writer wrote');
  } finally {
    await t.cleanup();
  }
});

test('the index is sorted with the one comparator', () => {
  const paths = ['b', 'a/z', '\uffff', '😀', 'a', 'A'];
  const text = [...formatIndex(new Map(paths.map((p) => [p, entry(p)])))].join('');
  const lines = text.split('\n').filter((l) => l.startsWith('  - '));
  const order = lines.map((l) => (JSON.parse(l.slice(4)) as { p: string }).p);
  assert.deepEqual(order, [...paths].sort(compareKeys));
  assert.deepEqual(order.slice(-2), ['\uffff', '😀']);
});

test('a hand-written block-style index is read through js-yaml', () => {
  const text = [
    '# edited by hand',
    'version: 1',
    'entries:',
    '  # a comment between entries',
    '  - p: docs/a b.txt',
    '    k: file',
    '    s: 3',
    `    h: ${md5('x')}`,
    '    m: 1732100000123.5',
    '    mo: 0o644',
    "    e: 'etag'",
    '    r: true',
    "  - {p: 'b: #c', k: file, s: 0, h: " + md5('y') + ', m: 1, mo: 420, e: "", v: "7"}',
    '',
  ].join('\n');
  const map = parseIndex(text, '.lsync/index.yaml');
  assert.deepEqual(map.get('docs/a b.txt'), { path: 'docs/a b.txt', kind: 'file', size: 3, hash: md5('x'), mtimeMs: 1732100000123.5, mode: 0o644, etag: 'etag', racy: true });
  assert.deepEqual(map.get('b: #c'), { path: 'b: #c', kind: 'file', size: 0, hash: md5('y'), mtimeMs: 1, mode: 420, etag: '', versionId: '7' });
  assert.equal(parseIndex('version: 1\nentries:\n', 'f').size, 0);
  assert.equal(parseIndex('version: 1\nentries: []\n', 'f').size, 0);
});

const good = (p: string): string => JSON.stringify({ p, k: 'file', s: 1, h: md5(p), m: 1, mo: 420, e: 'x' });

test('a bad index is corrupt-database with file:line, never a partial load', () => {
  const file = '.lsync/index.yaml';
  const cases: [string, RegExp][] = [
    [`version: 1\nentries:\n  - ${good('a')}\n  - {"p":"b","k":"file","s":"1","h":"${md5('b')}","m":1,"mo":420,"e":"x"}\n`, /index\.yaml:4: field "s"/],
    [`version: 1\nentries:\n  - ${good('a')}\n  - ${good('a/../b')}\n`, /index\.yaml:4: invalid path "a\/..\/b"/],
    [`version: 1\nentries:\n  - ${good('a')}\n  - ${good('a')}\n`, /index\.yaml:4: duplicate path "a"/],
    [`version: 1\nentries:\n  - ${good('a')}\n  - ${good('.lsync/x')}\n`, /:4: invalid path/],
    [`version: 1\nentries:\n  - ${good('a')}\n  - ${good('/abs')}\n`, /:4: invalid path/],
    [`version: 1\nentries:\n  - ${good('a').replace('"h":', '"x":1,"h":')}\n`, /:3: unknown field "x"/],
    [`version: 1\nentries:\n  - ${good('a').replace(/"h":"[0-9a-f]+"/, '"h":"XYZ"')}\n`, /:3: field "h"/],
    [`version: 1\nentries:\n  - {p: a, k: file\n`, /index\.yaml:\d+: not valid YAML/],
    [`version: 1\nentries:\n  - p: a\n    k: socket\n`, /index\.yaml:3: field "k"/],
    [`version: 1\nentries:\n  - just a string\n`, /index\.yaml:3: entry 1 is not a mapping/],
    [`version: 2\nentries: []\n`, /newer lsync/],
    [`entries: []\n`, /"version" must be 1/],
    [`version: 1\nentries: {}\n`, /"entries" must be a list/],
    [`version: 1\nextra: 1\nentries: []\n`, /unknown top-level key/],
    [``, /empty/],
    [`- a\n- b\n`, /expected a mapping/],
    [`version: 1\nentries:\n  - &x ${good('a')}\n  - *x\n`, /not valid YAML|duplicate/],
  ];
  for (const [text, pattern] of cases) assert.throws(() => parseIndex(text, file), isCorrupt(pattern), text);
});

test('a corrupt index on disk makes openDatabase throw', async () => {
  const t = await tempMeta();
  try {
    await mkdir(t.meta);
    await writeFile(join(t.meta, INDEX_FILE), 'version: 1\nentries:\n  - {"p": 3}\n');
    await assert.rejects(openDatabase(t.meta), isCorrupt(/^\.lsync\/index\.yaml:3: field "p"/));
  } finally {
    await t.cleanup();
  }
});

test('the journal replays in order, and a run writes O(k) bytes, not the whole index', async () => {
  const t = await tempMeta();
  try {
    const db = await openDatabase(t.meta);
    for (let i = 0; i < 2000; i++) db.set(entry(`bulk/${i}`));
    await db.compact();
    await db.close();
    const indexSize = (await stat(join(t.meta, INDEX_FILE))).size;

    const run = await openDatabase(t.meta);
    run.set(entry('bulk/1', { size: 99 }));
    run.delete('bulk/2');
    run.set(entry('new'));
    run.delete('new');
    run.delete('never-existed'); // no record for a no-op
    await run.flush();
    await run.close();
    assert.equal((await stat(join(t.meta, INDEX_FILE))).size, indexSize, 'index untouched');
    const journal = await readFile(join(t.meta, JOURNAL_FILE), 'utf8');
    assert.equal(journal.split('\n').filter((l) => l.startsWith('- ')).length, 4);
    assert.ok(journal.length < 1000, `journal is ${journal.length} bytes`);
    assert.ok(Array.isArray(load(journal)), 'the journal is a YAML sequence');

    const again = await openDatabase(t.meta);
    assert.equal(again.entries.size, 1999);
    assert.equal(again.entries.get('bulk/1')?.size, 99);
    assert.equal(again.entries.has('bulk/2'), false);
    assert.equal(again.entries.has('new'), false);
    assert.equal(again.journalRecords, 4);
    await again.close();
  } finally {
    await t.cleanup();
  }
});

test('a torn last journal line is ignored and overwritten by the next flush', async () => {
  for (const tail of ['- {"op":"set","p":"torn","k":"fi', '\0\0\0\0\0\0', '- {"op":"set","p":"x","k":\n', 'garbage\n']) {
    const t = await tempMeta();
    try {
      const db = await openDatabase(t.meta);
      db.set(entry('a'));
      await db.close();
      await appendFile(join(t.meta, JOURNAL_FILE), tail);
      const reopened = await openDatabase(t.meta);
      assert.deepEqual([...reopened.entries.keys()], ['a'], JSON.stringify(tail));
      reopened.set(entry('b'));
      await reopened.close();
      const journal = await readFile(join(t.meta, JOURNAL_FILE), 'utf8');
      assert.ok(!journal.includes('torn') && !journal.includes('\0') && !journal.includes('garbage'), journal);
      const last = await openDatabase(t.meta);
      assert.deepEqual([...last.entries.keys()].sort(), ['a', 'b']);
      await last.close();
    } finally {
      await t.cleanup();
    }
  }
});

test('a bad journal line before the last one is corruption', async () => {
  const t = await tempMeta();
  try {
    await mkdir(t.meta);
    const rec = (p: string): string => `- {"op":"set",${good(p).slice(1)}\n`;
    await writeFile(join(t.meta, JOURNAL_FILE), `# journal\n${rec('a')}- {"op":"set","p":\n${rec('b')}`);
    await assert.rejects(openDatabase(t.meta), isCorrupt(/^\.lsync\/journal\.yaml:3: not a journal record/));
    await writeFile(join(t.meta, JOURNAL_FILE), `${rec('a')}- {"op":"mv","p":"a"}\n${rec('b')}`);
    await assert.rejects(openDatabase(t.meta), isCorrupt(/journal\.yaml:2: field "op"/));
    // A complete last line that parses but is invalid is not a torn write: corruption too.
    await writeFile(join(t.meta, JOURNAL_FILE), `${rec('a')}${rec('../x')}`);
    await assert.rejects(openDatabase(t.meta), isCorrupt(/journal\.yaml:2: invalid path/));
  } finally {
    await t.cleanup();
  }
});

test('a crash between writing the index and truncating the journal replays to the same state', async () => {
  const t = await tempMeta();
  try {
    const db = await openDatabase(t.meta);
    for (let i = 0; i < 50; i++) db.set(entry(`f${i}`));
    for (let i = 0; i < 50; i += 3) db.delete(`f${i}`);
    db.set(entry('f0', { size: 7 }));
    await db.flush();
    const journal = await readFile(join(t.meta, JOURNAL_FILE));
    await db.compact();
    const expected = sorted(db.entries);
    await db.close();
    // Simulate the crash: index.yaml is new, but the journal was never truncated.
    await writeFile(join(t.meta, JOURNAL_FILE), journal);
    const reopened = await openDatabase(t.meta);
    assert.deepEqual(sorted(reopened.entries), expected);
    await reopened.close();
  } finally {
    await t.cleanup();
  }
});

test('close() compacts only when the journal is large relative to the index', async () => {
  const t = await tempMeta();
  try {
    let db = await openDatabase(t.meta, { compactMinRecords: 10 });
    for (let i = 0; i < 10; i++) db.set(entry(`a${i}`));
    await db.close();
    assert.equal(db.journalRecords, 10, '10 records: not more than max(10, 10/4)');
    await assert.rejects(stat(join(t.meta, INDEX_FILE)), { code: 'ENOENT' });

    db = await openDatabase(t.meta, { compactMinRecords: 10 });
    db.set(entry('b'));
    await db.close();
    assert.equal(db.journalRecords, 0, '11 records > 10: compacted');
    assert.equal((await stat(join(t.meta, JOURNAL_FILE))).size, 0);

    // With 100 entries the bar is 100/4 = 25 records.
    db = await openDatabase(t.meta, { compactMinRecords: 10 });
    for (let i = 0; i < 89; i++) db.set(entry(`c${i}`));
    await db.close();
    db = await openDatabase(t.meta, { compactMinRecords: 10 });
    assert.equal(db.entries.size, 100);
    for (let i = 0; i < 25; i++) db.set(entry(`c${i}`, { size: 1 }));
    await db.close();
    assert.equal(db.journalRecords, 25 + 0, 'exactly a quarter: kept');
    db = await openDatabase(t.meta, { compactMinRecords: 10 });
    db.delete('c0');
    await db.close();
    assert.equal(db.journalRecords, 0);
  } finally {
    await t.cleanup();
  }
});

test('concurrent flushes chain: every record is durable when its flush resolves', async () => {
  const t = await tempMeta();
  try {
    const db = await openDatabase(t.meta);
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      db.set(entry(`p${i}`));
      if (i % 7 === 0) flushes.push(db.flush());
    }
    flushes.push(db.flush(), db.flush());
    await Promise.all(flushes);
    const journal = await readFile(join(t.meta, JOURNAL_FILE), 'utf8');
    assert.equal(journal.split('\n').filter((l) => l.startsWith('- ')).length, 200);
    await db.close();
    assert.throws(() => db.set(entry('late')), /closed/);
  } finally {
    await t.cleanup();
  }
});

test('set() refuses an entry the reader would reject', async () => {
  const t = await tempMeta();
  try {
    const db = await openDatabase(t.meta);
    assert.throws(() => db.set(entry('../x')), TypeError);
    assert.throws(() => db.set(entry('a', { hash: 'nope' })), TypeError);
    assert.throws(() => db.set(entry('a', { size: -1 })), TypeError);
    assert.throws(() => db.set(entry('a', { mtimeMs: Number.NaN })), TypeError);
    assert.equal(db.entries.size, 0);
    await db.close();
  } finally {
    await t.cleanup();
  }
});

test('the streaming fast reader gives the same result however the text is cut', () => {
  const map = new Map(ODD_NAMES.map((p) => [p, entry(p, { versionId: p })]));
  const text = [...formatIndex(map)].join('');
  for (const size of [1, 2, 3, 7, 64]) {
    const reader = new FastIndexReader('f');
    for (let i = 0; i < text.length; i += size) assert.ok(reader.push(text.slice(i, i + size)));
    assert.deepEqual(reader.end(), map);
  }
  // Any departure from the writer's form falls back to js-yaml, with the same result.
  const edited = text + '  # a trailing comment\n';
  assert.equal(parseFast(edited, 'f'), undefined);
  assert.deepEqual(parseIndex(edited, 'f'), map);
  assert.equal(parseFast(text.replace('version: 1\n', 'version: 1\n\n'), 'f'), undefined);
  assert.equal(parseFast(text.slice(0, -1), 'f'), undefined, 'no final newline');
});
