/**
 * Names that would collide locally are refused, never merged; keys S3 cannot hold are refused with
 * a message, and the rest of the run goes ahead (exit 1 at the end).
 *
 * The test machine's file system is case- and normalisation-sensitive (Linux): there, twins are
 * different files and sync normally. The refusal path is checked with LSYNC_TEST_FS, the test-only
 * override of the file-system probe.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Collaborator, forEachRemote, runCli, type World } from '../support/world.js';
import { foreignPut, rawS3 } from '../support/foreign.js';

const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';


function lsyncAs(c: Collaborator, w: World, fs: string, ...args: string[]): ReturnType<typeof runCli> {
  return runCli(c.dir, args, { ...w.env, LSYNC_TEST_FS: fs });
}

/**
 * Names that break naive tools: URL-special characters, a backslash (an ordinary character on
 * Linux), emoji (outside the BMP), a 200-byte name (ext4 allows 255), and both Unicode forms of é.
 */
const TRICKY = [
  'a b.txt',
  'plus+sign.txt',
  '100%.txt',
  'hash#tag.txt',
  'what?.txt',
  'back\\slash.txt',
  '\u{1F389} party.txt',
  `${'n'.repeat(196)}.txt`,
  NFC,
  NFD,
  'dir with space/sub+dir/%41 not an escape.txt',
];

/** Every key under the world's remote, as raw bytes (hex), straight from the server or the directory. */
async function rawKeys(w: World): Promise<string[]> {
  if (w.server === undefined) {
    const root = fileURLToPath(w.url);
    const out: string[] = [];
    const walk = async (dir: string, rel: Buffer[]): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
        if (rel.length === 0 && e.name.toString() === '.lsync') continue;
        const parts = [...rel, e.name];
        if (e.isDirectory()) await walk(join(dir, e.name.toString()), parts);
        else out.push(Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('/'), p]))).toString('hex'));
      }
    };
    await walk(root, []);
    return out.sort();
  }
  const { client, bucket, prefix } = rawS3(w);
  try {
    const out: string[] = [];
    let token: string | undefined;
    do {
      // EncodingType is left out: keys come back as XML text, decoded by the SDK, not URL-encoded.
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) }));
      // `.lsync/` is lsync's own bookkeeping (the change feed), not a name.
      for (const o of page.Contents ?? []) if (o.Key !== undefined && !o.Key.startsWith(`${prefix}.lsync/`)) out.push(Buffer.from(o.Key.slice(prefix.length), 'utf8').toString('hex'));
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort();
  } finally {
    client.destroy();
  }
}

const TWINS = { 'Report.txt': 'upper', 'report.txt': 'lower', [NFC]: 'composed', [NFD]: 'decomposed', 'plain.txt': 'plain' };

forEachRemote('names', (world, kind) => {
  test('awkward names round-trip byte-exact: A pushes, B pulls, the trees and the raw keys are identical', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    assert.equal(Buffer.byteLength(TRICKY[7] ?? '', 'utf8'), 200);
    for (const [i, name] of TRICKY.entries()) await a.write(name, `content ${i} of ${name}`);
    const r = await a.lsync('push');
    assert.equal(r.code, 0, r.stderr);
    const expected = TRICKY.map((n) => Buffer.from(n, 'utf8').toString('hex')).sort();
    assert.deepEqual(await rawKeys(w), expected, 'the keys are the names, byte for byte');
    const pulled = await b.lsync('pull');
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.deepEqual(await b.tree(), await a.tree());
    // Byte-exact on disk too: NFC and NFD are two files, each with its own content.
    const names = (await readdir(b.dir, { encoding: 'buffer' })).map((n) => n.toString('hex'));
    assert.ok(names.includes(Buffer.from(NFC).toString('hex')) && names.includes(Buffer.from(NFD).toString('hex')));
    assert.equal(await readFile(join(b.dir, NFD), 'utf8'), `content 9 of ${NFD}`);
    for (const c of [a, b]) {
      const st = await c.lsync('status', '--json');
      assert.deepEqual(Collaborator.json(st)[0]?.['actions'], [], `${c.name}: ${st.stdout}`);
    }
  });

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

  test('a name that is not UTF-8 is named by its escaped bytes and left out (exit 1)', async (t) => {
    const w = await world();
    const a = await w.collaborator('a');
    await a.write('fine.txt', 'fine');
    try {
      await writeFile(Buffer.concat([Buffer.from(join(a.dir, 'bad')), Buffer.from([0xff]), Buffer.from('caf\u00e9.txt')]), 'x');
    } catch {
      t.skip('this file system refuses names that are not UTF-8');
      return;
    }
    const r = await a.lsync('push');
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes('"bad\\xffcaf\u00e9.txt": the name is not valid UTF-8'), r.stderr);
    assert.ok(!r.stderr.includes('\uFFFD'), 'no replacement characters');
    const json = Collaborator.json(await a.lsync('status', '--json')).find((l) => l['type'] === 'status');
    assert.deepEqual(json?.['names'], [{ kind: 'not-utf8', paths: ['bad\\xffcaf\u00e9.txt'], message: '"bad\\xffcaf\u00e9.txt": the name is not valid UTF-8 (bytes shown as \\xNN); left out: rename it to a UTF-8 name' }]);
    const b = await w.collaborator('b');
    assert.equal((await b.lsync('pull')).code, 0);
    assert.deepEqual(Object.keys(await b.tree()), ['fine.txt'], 'the rest went ahead');
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
