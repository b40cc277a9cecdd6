/**
 * clone, diff and ls through the real CLI (a child process, as a user runs it): exit codes, what
 * is printed, colours only when asked for or on a terminal.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Collaborator, runCli, useWorld, type RemoteKind } from '../support/world.js';
import { describe } from 'node:test';

const kinds: RemoteKind[] = ['file', 's3rver'];

for (const kind of kinds) {
  describe(`clone, diff, ls on the command line [${kind}]`, () => {
    const world = useWorld(kind);

    test('clone: new dir (exit 0), non-empty refused (exit 2, left alone), --force', async () => {
      const w = await world();
      const a = await w.collaborator('a');
      await a.write('x.txt', 'x');
      await a.write('d/y.txt', 'yy');
      assert.equal((await a.lsync('sync')).code, 0);
      let r = await runCli(w.tmp, ['clone', w.url, 'copy'], w.env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Cloned .* into .*copy/);
      const copy = new Collaborator('copy', join(w.tmp, 'copy'), w.env);
      assert.deepEqual(await copy.tree(), { 'd/y.txt': 'yy', 'x.txt': 'x' });
      await copy.assertClean();

      await mkdir(join(w.tmp, 'busy'));
      await writeFile(join(w.tmp, 'busy', 'x.txt'), 'mine, different');
      r = await runCli(w.tmp, ['clone', w.url, 'busy'], w.env);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^lsync: .*busy already exists and is not empty/m);
      assert.deepEqual(await readdir(join(w.tmp, 'busy')), ['x.txt']);
      r = await runCli(w.tmp, ['clone', w.url, 'busy', '--force'], w.env);
      assert.equal(r.code, 3, 'the differing file is a conflict');
      assert.match(r.stdout, /x\.txt/);
    });

    test('diff: exit 0 when equal, 1 with a unified diff, --stat, --json; ls marks', async () => {
      const w = await world();
      const a = await w.collaborator('a');
      await a.write('notes.txt', 'one\ntwo\nthree\n');
      await a.write('pic.bin', Buffer.from([0, 1, 2]));
      assert.equal((await a.lsync('sync')).code, 0);
      let r = await a.lsync('diff');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');

      await a.write('notes.txt', 'one\n2\nthree\n');
      await a.write('pic.bin', Buffer.from([0, 1, 2, 3]));
      r = await a.lsync('diff');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /--- remote\/notes\.txt\n\+\+\+ local\/notes\.txt\n@@ -1,3 \+1,3 @@\n one\n-two\n\+2\n three\n/);
      assert.match(r.stdout, /Binary files differ: 3 bytes \(md5 [0-9a-f]{12}\) → 4 bytes/);
      assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour into a pipe');
      r = await runCli(a.dir, ['diff', 'notes.txt'], { ...w.env, FORCE_COLOR: '1' });
      assert.match(r.stdout, /\x1b\[31m-two\x1b\[0m/);
      r = await runCli(a.dir, ['diff', 'notes.txt'], { ...w.env, FORCE_COLOR: '1', NO_COLOR: '1' });
      assert.doesNotMatch(r.stdout, /\x1b\[/);
      r = await a.lsync('diff', '--stat');
      assert.match(r.stdout, / notes\.txt \|\s+2 \+-\n/);
      assert.match(r.stdout, /2 files changed, 1 insertion\(\+\), 1 deletion\(-\)/);
      r = await a.lsync('diff', '--json');
      const j = Collaborator.json(r)[0];
      assert.equal(j?.['differs'], true);
      assert.equal((j?.['files'] as unknown[]).length, 2);

      r = await a.lsync('ls', '-l');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^>\s+14 B\s+\d{4}-\d\d-\d\d \d\d:\d\d  notes\.txt$/m);
      assert.match(r.stdout, /> changed here/);
      r = await a.lsync('ls', 'nosuch');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /nosuch: no such file or folder/);
    });
  });
}
