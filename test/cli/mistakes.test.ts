/**
 * Command-line mistakes are said the way a person would (issue 11, defect 13): an unknown command
 * with the nearest real one, an unknown option with the nearest real option, a value that looks
 * like an option; --version is package.json's; nothing offers --yes (nothing prompts).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { closest, editDistance } from '../../src/cli/suggest.js';
import { runCli } from './run.js';

const cases: [string[], RegExp, RegExp?][] = [
  [['frobnicate', 'x'], /^lsync: unknown command 'frobnicate' \(commands: init, status/m, /did you mean/],
  [['qz'], /unknown command 'qz'/, /did you mean/],
  [['sycn'], /unknown command 'sycn'; did you mean 'lsync sync'\?/],
  [['--json', 'stauts'], /unknown command 'stauts'; did you mean 'lsync status'\?/],
  [['--endpoint', 'http://x', 'pusj'], /unknown command 'pusj'; did you mean 'lsync push'\?/],
  [['sync', '--dryrun'], /unknown option --dryrun \(did you mean --dry-run\?\)/],
  [['push', '--mirorr'], /unknown option --mirorr \(did you mean --mirror\?\)/],
  [['push', '--bwlimit', '-5M'], /--bwlimit: "-5M" is not a value: give a positive rate/, /Unknown arguments/],
  [['init', 'a', 'b', 'c'], /unexpected argument 'c'/],
];

for (const [args, message, not] of cases) {
  test(`mistake: lsync ${args.join(' ')}`, async () => {
    const r = await runCli(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    if (not !== undefined) assert.doesNotMatch(r.stderr, not);
    assert.doesNotMatch(r.stderr, /Unknown argument/);
  });
}

test('suggestions: close typos only', () => {
  assert.equal(editDistance('sycn', 'sync'), 1);
  assert.equal(editDistance('dryrun', 'dry-run'), 1);
  assert.equal(closest('ls', ['init', 'status', 'sync', 'push', 'pull', 'resolve']), undefined);
  assert.equal(closest('resolv', ['init', 'status', 'sync', 'push', 'pull', 'resolve']), 'resolve');
});

test('--version is package.json\'s; --help offers no --yes', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), pkg.version);
  for (const cmd of [[], ['sync'], ['push'], ['init']]) {
    const h = await runCli([...cmd, '--help']);
    assert.equal(h.code, 0);
    assert.doesNotMatch(h.stdout, /--yes/);
  }
});
