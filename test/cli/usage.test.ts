/**
 * The command line in-process (main() returns the exit code): usage errors are exit 2 with one
 * line, and they stop before any command runs.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';

async function run(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const dir = cwd ?? (await mkdtemp(join(tmpdir(), 'lsync-cli-')));
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: dir,
    env: {},
  });
  return { code, stdout, stderr };
}

const usageCases: [string[], RegExp][] = [
  [['resolve', 'x.txt'], /Missing required argument: keep/],
  [['resolve', 'x.txt', '--keep', 'mine'], /Invalid values.*keep/],
  [['sync', '--bogus'], /unknown option --bogus/],
  [['sync', '--concurrency', '0'], /--concurrency must be a whole number/],
  [['frobnicate'], /unknown command 'frobnicate'/],
  [[], /say which command/],
  [['init'], /Not enough non-option arguments/],
  [['sync', '--max-delete', '-3'], /--max-delete/],
  [['sync', '--bwlimit', 'fast'], /--bwlimit/],
];

for (const [args, message] of usageCases) {
  test(`usage error: lsync ${args.join(' ')}`, async () => {
    const r = await run(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    // The command never ran: it would have said this is not a repository.
    assert.doesNotMatch(r.stderr, /not an lsync repository/);
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('lsync:')).length, 1, 'one line of error');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('--help on every command, with examples', async () => {
  for (const cmd of ['init', 'status', 'sync', 'push', 'pull', 'resolve']) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
    assert.match(r.stdout, /Examples:/, cmd);
  }
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /lsync sync/);
});

test('outside a repository: exit 2 and what to do next', async () => {
  const r = await run(['status']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not an lsync repository/);
  assert.match(r.stderr, /lsync init/);
});
