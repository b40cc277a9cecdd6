/**
 * `lsync completion`: a real bash loads the script and its function completes commands, options,
 * choices and config keys (and leaves paths to the shell's file completion); the zsh and fish
 * scripts parse when those shells are installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../cli/run.js';

const exec = promisify(execFile);

let tmp = '';
const scripts: Record<string, string> = {};
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lsync-completion-'));
  await mkdir(join(tmp, 'bin'));
  await symlink(fileURLToPath(new URL('../../../bin/lsync.js', import.meta.url)), join(tmp, 'bin', 'lsync'));
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runCli(['completion', shell]);
    assert.equal(r.code, 0, r.stderr);
    scripts[shell] = join(tmp, `lsync.${shell}`);
    await writeFile(scripts[shell], r.stdout);
  }
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** What the bash function offers for the words typed so far (the last one is the word under the cursor). */
async function complete(...words: string[]): Promise<string[]> {
  return completeIn(tmp, words);
}

async function completeIn(cwd: string, words: string[]): Promise<string[]> {
  const program = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lsync; printf '%s\\n' "\${COMPREPLY[@]}"`;
  // The script runs `lsync` by name for remote names: this checkout's, first on PATH.
  const env = { ...process.env, PATH: `${join(tmp, 'bin')}:${process.env['PATH'] ?? ''}` };
  const { stdout } = await exec('bash', ['--norc', '--noprofile', '-c', program, 'bash', scripts['bash'] as string, 'lsync', ...words], { cwd, env });
  return stdout.split('\n').filter((l) => l !== '');
}

async function which(cmd: string): Promise<boolean> {
  try {
    await exec('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

test('bash loads the script and registers the function with file-name fallback', async () => {
  const { stdout, stderr } = await exec('bash', ['--norc', '--noprofile', '-c', 'source "$1" && complete -p lsync', 'bash', scripts['bash'] as string]);
  assert.equal(stderr, '');
  assert.equal(stdout.trim(), 'complete -o bashdefault -o default -F _lsync lsync');
});

test('bash completes command names, options per command, choices and config keys', async () => {
  assert.deepEqual(await complete('sy'), ['sync']);
  assert.deepEqual(await complete('c'), ['clone', 'config', 'completion']);
  assert.deepEqual(await complete('push', '--dr'), ['--dry-run']);
  assert.ok((await complete('push', '--')).includes('--mirror'), 'a command\'s own options');
  assert.ok(!(await complete('pull', '--')).includes('--to'), 'not another command\'s');
  assert.deepEqual(await complete('remote', 'a'), ['add']);
  assert.deepEqual(await complete('completion', 'f'), ['fish']);
  assert.deepEqual(await complete('config', 'set', 'max'), ['max_delete_share']);
  assert.deepEqual(await complete('config', 'get', 'remote.origin.part_s'), ['remote.origin.part_size']);
  assert.deepEqual(await complete('resolve', '--keep', 'l'), ['local']);
  // Option values are skipped when finding the command, also with bash's split of "http://…" at ':'.
  assert.deepEqual(await complete('--endpoint', 'http', ':', '//127.0.0.1', ':', '9000', 'stat'), ['status']);
  assert.deepEqual(await complete('-j', '4', 'pu'), ['push', 'pull']);
  // Paths are bash's own file completion (complete -o default): the function offers nothing there.
  assert.deepEqual(await complete('push', 'do'), []);
  assert.deepEqual(await complete('--endpoint', ''), []);
});

test('bash completes remote names where one is typed (from lsync remote list), not elsewhere', async () => {
  const repo = join(tmp, 'repo');
  await mkdir(join(repo, '.lsync'), { recursive: true });
  await writeFile(join(repo, '.lsync', 'config.yaml'), 'version: 2\nremotes:\n  origin:\n    url: file:///srv/a\n  backup:\n    url: file:///srv/b\n  nas:\n    url: file:///srv/c\n');
  assert.deepEqual(await completeIn(repo, ['push', '--to', '']), ['origin', 'backup', 'nas']);
  assert.deepEqual(await completeIn(repo, ['status', '--remote', 'b']), ['backup']);
  assert.deepEqual(await completeIn(repo, ['remote', 'rename', 'n']), ['nas']);
  assert.deepEqual(await completeIn(repo, ['restore', 'x', '--to', '']), [], 'restore --to is a local path');
  assert.deepEqual(await completeIn(tmp, ['push', '--to', '']), [], 'outside a repository: nothing');
});

test('zsh and fish scripts parse (skipped where the shell is not installed)', async (t) => {
  for (const [shell, args] of [['zsh', ['-n']], ['fish', ['--no-execute']]] as const) {
    if (!(await which(shell))) {
      t.diagnostic(`${shell} is not installed here: its script was not checked`);
      continue;
    }
    const { stderr } = await exec(shell, [...args, scripts[shell] as string]);
    assert.equal(stderr, '', shell);
  }
});

test('the zsh and fish scripts carry the same commands and options as bash', async () => {
  const { readFile } = await import('node:fs/promises');
  const zsh = await readFile(scripts['zsh'] as string, 'utf8');
  const fish = await readFile(scripts['fish'] as string, 'utf8');
  assert.match(zsh, /^#compdef lsync\n/);
  assert.match(zsh, /^ {2}compdef _lsync lsync$/m);
  assert.match(zsh, /^ {4}'push'\) echo '[^']*--mirror /m);
  for (const c of ['sync', 'config', 'completion']) assert.ok(fish.includes(`    printf '%s\\t%s\\n' '${c}' '`), c);
  assert.match(fish, /^ {4}case 'remote 0'\n {8}printf '%s\\n' 'list' 'add' 'remove' 'rename'$/m);
});

test('completion without a shell follows $SHELL; an unknown shell is a usage error', async () => {
  let r = await runCli(['completion'], undefined, { SHELL: '/usr/bin/fish' });
  assert.match(r.stdout, /^complete -c lsync -f -a '\(__lsync_complete\)'$/m);
  r = await runCli(['completion'], undefined, { SHELL: '/bin/tcsh' });
  assert.match(r.stdout, /^complete -o default -o bashdefault -F _lsync lsync$/m);
  r = await runCli(['completion', 'tcsh']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /tcsh/);
});
