/**
 * Names that would collide locally are refused, never merged; keys S3 cannot hold are refused with
 * a message, and the rest of the run goes ahead (exit 1 at the end).
 *
 * The test machine's file system is case- and normalisation-sensitive (Linux): there, twins are
 * different files and sync normally. The refusal path is checked with LSYNC_TEST_FS, the test-only
 * override of the file-system probe.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Collaborator, forEachRemote, runCli, type World } from '../support/world.js';
import { foreignPut } from '../support/foreign.js';

const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';


function lsyncAs(c: Collaborator, w: World, fs: string, ...args: string[]): ReturnType<typeof runCli> {
  return runCli(c.dir, args, { ...w.env, LSYNC_TEST_FS: fs });
}

const TWINS = { 'Report.txt': 'upper', 'report.txt': 'lower', [NFC]: 'composed', [NFD]: 'decomposed', 'plain.txt': 'plain' };

forEachRemote('names', (world, kind) => {
  test('on a case- and normalisation-sensitive file system, twins are different files: all sync', async () => {
    const w = await world();
    await foreignPut(w, TWINS);
    const a = await w.collaborator('a');
    const r = await a.lsync('sync');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /same file/);
    assert.deepEqual(await a.tree(), Object.fromEntries(Object.entries(TWINS).sort(([x], [y]) => (x < y ? -1 : 1))));
    // And back: a second run has nothing to do.
    const again = await a.lsync('sync');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Everything up to date/);
  });

  test('case-only twins are refused where case is ignored, naming both; the rest syncs; exit 1', async () => {
    const w = await world();
    await foreignPut(w, TWINS);
    const a = await w.collaborator('a');
    const st = await lsyncAs(a, w, 'case-insensitive', 'status');
    assert.equal(st.code, 1, st.stderr);
    assert.match(st.stdout, /Names that cannot be used here/);
    const r = await lsyncAs(a, w, 'case-insensitive', 'sync');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /warning: "Report\.txt" \(on the remote\) and "report\.txt" \(on the remote\) would be the same file/);
    assert.match(r.stderr, /rename one of them/);
    assert.equal((r.stderr.match(/same file/g) ?? []).length, 1, 'one warning for the pair');
    const tree = await a.tree();
    assert.equal(tree['Report.txt'], undefined);
    assert.equal(tree['report.txt'], undefined);
    assert.equal(tree[NFC], 'composed');
    assert.equal(tree[NFD], 'decomposed');
    assert.equal(tree['plain.txt'], 'plain');
    assert.match(r.stdout, /name problem/);

    // Both normalisation and case ignored (APFS): the NFC/NFD pair is refused as well.
    const b = await w.collaborator('b');
    const rb = await lsyncAs(b, w, 'case-insensitive,normalisation-insensitive', 'sync', '--json');
    assert.equal(rb.code, 1, rb.stderr);
    const lines = Collaborator.json(rb);
    const summary = lines.find((l) => l['type'] === 'summary');
    assert.ok(summary);
    const names = summary['names'] as { kind: string; paths: string[] }[];
    assert.deepEqual(names.map((n) => n.paths.length), [2, 2]);
    assert.deepEqual(Object.keys(await b.tree()), ['plain.txt']);

    // Refused paths are never taken for deletions, and the remote keeps every twin.
    const c = await w.collaborator('c');
    assert.equal((await c.lsync('sync')).code, 0);
    assert.equal(Object.keys(await c.tree()).length, 5);
  });

  test('a local spelling against a different remote spelling is refused, not merged', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    await a.write('notes/README.md', 'mine');
    await foreignPut(w, { 'notes/readme.md': 'theirs' });
    const r = await lsyncAs(a, w, 'case-insensitive', 'sync');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /"notes\/README\.md" \(here\) and "notes\/readme\.md" \(on the remote\)/);
    assert.equal(await a.read('notes/README.md'), 'mine');
    const c = await w.collaborator('c');
    assert.equal((await c.lsync('sync')).code, 0);
    assert.deepEqual(await c.tree(), { 'notes/readme.md': 'theirs' });
  });

  test('a remote file and a remote folder of the same name are refused; the rest syncs', async () => {
    const w = await world();
    // A file:// remote cannot hold both either: only S3 can.
    if (kind === 'file') return;
    await foreignPut(w, { data: 'a file', 'data/inner.txt': 'in a folder', 'ok.txt': 'ok' });
    const a = await w.collaborator('a');
    const r = await a.lsync('sync');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /file "data" \(on the remote\) and folder "data\/" \(on the remote\) cannot both exist/);
    assert.deepEqual(await a.tree(), { 'ok.txt': 'ok' });
  });

  test('a local file whose key would exceed 1,024 bytes is refused with a message; the rest syncs', async () => {
    const w = await world();
    if (kind === 'file') return; // no key-length limit on a directory remote
    const a = await w.collaborator('a');
    // Six 180-byte folder names: every segment is within ext4's 255 bytes, the key (1,094 bytes
    // before the prefix) is not.
    const long = `${Array.from({ length: 6 }, (_, i) => `${i}${'d'.repeat(179)}`).join('/')}/file.txt`;
    await a.write(long, 'too deep');
    await a.write('fine.txt', 'fine');
    const r = await a.lsync('sync');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /its key would be \d+ bytes, over S3's limit of 1024/);
    assert.match(r.stdout, /uploaded\s+fine\.txt/);
    const c = await w.collaborator('c');
    assert.equal((await c.lsync('sync')).code, 0);
    assert.deepEqual(await c.tree(), { 'fine.txt': 'fine' });
    // Not taken for a deletion later, and still refused.
    const again = await a.lsync('sync');
    assert.equal(again.code, 1);
    assert.equal(await a.read(long), 'too deep');
  });
});
