/**
 * The ignore layering checked against git itself: random trees with `.gitignore` files at several
 * levels, scanned with `useGitignore`, must keep exactly the files `git ls-files --others
 * --exclude-standard` lists.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import type { BaseEntry } from '../../src/core/types.js';
import { scanLocal } from '../../src/scan/local.js';
import { paths, tempDir, writeTree } from './helpers.js';

const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const hasGit = spawnSync('git', ['--version'], { env: gitEnv }).status === 0;

function gitKeeps(root: string): string[] {
  const init = spawnSync('git', ['init', '-q'], { cwd: root, env: gitEnv });
  assert.equal(init.status, 0, init.stderr.toString());
  const r = spawnSync('git', ['ls-files', '-z', '--others', '--exclude-standard'], { cwd: root, env: gitEnv });
  assert.equal(r.status, 0, r.stderr.toString());
  rmSync(`${root}/.git`, { recursive: true, force: true });
  return r.stdout.toString('utf8').split('\0').filter((p) => p !== '').sort();
}

const dirs = ['', 'a', 'a/b', 'build', 'a/build', 'c'];
const names = ['x.log', 'keep.log', 'y.txt', 'z'];
const patterns = ['*.log', '!keep.log', 'build/', '/y.txt', 'b/', '!b/', 'a/*.txt', '**/x.log', '!*.txt', '*', '!*/', 'build', '!build/', 'z', '/a/', 'b/z', '!/z', '*.txt', 'a/**/z'];

const treeArb = fc.record({
  files: fc.uniqueArray(fc.tuple(fc.constantFrom(...dirs), fc.constantFrom(...names)), { minLength: 1, maxLength: 14 }),
  ignores: fc.array(fc.tuple(fc.constantFrom(...dirs), fc.array(fc.constantFrom(...patterns), { minLength: 1, maxLength: 4 })), { maxLength: 4 }),
});

test('ignore files layer exactly as git layers .gitignore', { skip: hasGit ? false : 'git is not installed' }, async (t) => {
  const base = tempDir(t);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(treeArb, async ({ files, ignores }) => {
      const root = `${base}/${run++}`;
      const tree: Record<string, string> = {};
      for (const [dir, name] of files) tree[dir === '' ? name : `${dir}/${name}`] = name;
      for (const [dir, lines] of ignores) tree[dir === '' ? '.gitignore' : `${dir}/.gitignore`] = `${lines.join('\n')}\n`;
      writeTree(root, tree);
      const scan = await scanLocal(root, { base: new Map<string, BaseEntry>(), useGitignore: true });
      assert.deepEqual(paths(scan), gitKeeps(root));
    }),
    { numRuns: 150 },
  );
});
