import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IgnoreRuleSet, ignoresRemotePath } from '../../src/scan/ignore.js';

/** Rules from ignore-file texts by directory ('' = root), added parents first as a walk would. */
function rules(files: Readonly<Record<string, string>>): IgnoreRuleSet {
  const r = new IgnoreRuleSet();
  for (const dir of Object.keys(files).sort()) r.addIgnoreFiles(dir, [files[dir] ?? '']);
  return r;
}

test('plain, negated, anchored and directory-only patterns at the root', () => {
  const r = rules({ '': '*.log\n!keep.log\n/top.txt\nbuild/\n# a comment\n\n' });
  assert.equal(r.ignores('a.log', false), true);
  assert.equal(r.ignores('deep/er/a.log', false), true);
  assert.equal(r.ignores('keep.log', false), false);
  assert.equal(r.ignores('sub/keep.log', false), false);
  assert.equal(r.ignores('top.txt', false), true);
  assert.equal(r.ignores('sub/top.txt', false), false, 'anchored: only at the root');
  assert.equal(r.ignores('build', true), true);
  assert.equal(r.ignores('build', false), false, 'directory-only pattern does not match a file');
  assert.equal(r.ignores('x/build', true), true);
  assert.equal(r.ignores('x/build/out.o', false), true, 'inside an excluded directory');
  assert.equal(r.ignores('# a comment', false), false);
});

test('patterns of a nested file are relative to its own folder', () => {
  const r = rules({ sub: '/only-here\nnested/*.tmp\n' });
  assert.equal(r.ignores('sub/only-here', false), true);
  assert.equal(r.ignores('only-here', false), false);
  assert.equal(r.ignores('sub/deeper/only-here', false), false);
  assert.equal(r.ignores('sub/nested/a.tmp', false), true);
  assert.equal(r.ignores('nested/a.tmp', false), false, 'does not reach outside its folder');
  assert.equal(r.ignores('other/sub/only-here', false), false);
});

test('a deeper file overrides its parents, both ways', () => {
  const r = rules({ '': '*.txt\nlogs/\n', keep: '!*.txt\n', keep2: '!logs/\n', strict: 'ok.md\n' });
  assert.equal(r.ignores('a.txt', false), true);
  assert.equal(r.ignores('keep/a.txt', false), false);
  assert.equal(r.ignores('keep/x/a.txt', false), false);
  assert.equal(r.ignores('keep2/logs', true), false);
  assert.equal(r.ignores('keep2/logs/today', false), false, 'git matches the file itself, not its re-included folder');
  assert.equal(r.ignores('strict/ok.md', false), true);
  assert.equal(r.ignores('ok.md', false), false);
});

test('a file in a re-included folder still meets the parent patterns that match it', () => {
  const r = rules({ '': 'build/\n*.o\n', sub: '!build/\n' });
  assert.equal(r.ignores('sub/build', true), false);
  assert.equal(r.ignores('sub/build/readme', false), false);
  assert.equal(r.ignores('sub/build/out.o', false), true);
  assert.equal(r.ignores('build/readme', false), true);
});

test('nothing re-includes a path inside an excluded folder', () => {
  const r = rules({ '': 'secret/\n!secret/public.txt\n' });
  assert.equal(r.ignores('secret/public.txt', false), true);
});

test('.lsync is excluded at any depth, and nested repositories entirely', () => {
  const r = new IgnoreRuleSet();
  r.addNested('projects/other');
  assert.equal(r.ignores('.lsync', true), true);
  assert.equal(r.ignores('.lsync/index.yaml', false), true);
  assert.equal(r.ignores('a/b/.lsync/x', false), true);
  assert.equal(r.ignores('a/.lsyncx', false), false);
  assert.equal(r.ignores('projects/other', true), true);
  assert.equal(r.ignores('projects/other/file', false), true);
  assert.equal(r.ignores('projects/other2/file', false), false);
  assert.equal(r.ignores('projects/file', false), false);
});

test('matching is case-sensitive and takes odd names literally', () => {
  const r = rules({ '': 'Makefile\n\\#hash\n\\!bang\nsp\\ ace\n' });
  assert.equal(r.ignores('Makefile', false), true);
  assert.equal(r.ignores('makefile', false), false);
  assert.equal(r.ignores('#hash', false), true);
  assert.equal(r.ignores('!bang', false), true);
  assert.equal(r.ignores('sp ace', false), true);
  assert.equal(r.ignores('...', false), false, 'a name the ignore package calls relative');
  assert.equal(r.ignores('.../x', false), false);
});

test('a re-included folder with special characters in its name', () => {
  const r = rules({ '': '*\n!*/\n!keep\n', 'a [x] *': '!*.md\n' });
  assert.equal(r.ignores('a [x] *', true), false);
  assert.equal(r.ignores('a [x] */n.md', false), false);
  assert.equal(r.ignores('a [x] */n.txt', false), true);
  assert.equal(r.ignores('a [x] */keep', false), false);
});

test('remote paths: a trailing slash marks a directory', () => {
  const r = rules({ '': 'cache/\n' });
  assert.equal(ignoresRemotePath(r, 'cache/'), true);
  assert.equal(ignoresRemotePath(r, 'cache'), false);
  assert.equal(ignoresRemotePath(r, 'x/cache/f'), true);
  assert.equal(ignoresRemotePath(r, 'x/cached/f'), false);
});

test('CRLF ignore files and a byte-order mark', () => {
  const r = rules({ '': '\uFEFF*.bak\r\n/out\r\n' });
  assert.equal(r.ignores('x.bak', false), true);
  assert.equal(r.ignores('out', true), true);
});
