/**
 * `npm run demo`: a real sync between two collaborators through a plain-directory remote, no
 * cloud account needed. Runs the real CLI (bin/lsync.js) as a user would, printing each command.
 * Exits non-zero if any step does not end as expected, so it doubles as a smoke test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repoRoot, 'bin', 'lsync.js');
const work = mkdtempSync(join(tmpdir(), 'lsync-demo-'));
const remoteDir = join(work, 'shared-remote');
const alice = join(work, 'alice');
const bob = join(work, 'bob');
mkdirSync(remoteDir);

function lsync(cwd: string, args: string[], expect: number): void {
  const prompt = `${relative(work, cwd) || '.'}$ lsync ${args.join(' ')}`;
  process.stdout.write(process.stdout.isTTY ? `\n\x1b[1m${prompt}\x1b[0m\n` : `\n${prompt}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stdout.write(r.stderr);
  if (r.status !== expect) {
    process.stderr.write(`demo: expected exit code ${expect}, got ${r.status}\n`);
    process.exit(1);
  }
}

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.lsync') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

process.stdout.write(`lsync demo in ${work}\nThe remote is the plain directory ${remoteDir} (file:// remote).\n`);
mkdirSync(alice);
mkdirSync(bob);
write(join(alice, 'notes.txt'), 'Meeting notes\n');
write(join(alice, 'docs', 'plan.md'), '# Plan\n- ship lsync\n');
write(join(alice, 'docs', 'budget.csv'), 'item,cost\nservers,100\n');

lsync(alice, ['init', `file://${remoteDir}`], 0);
lsync(alice, ['status'], 0);
lsync(alice, ['sync'], 0);

lsync(bob, ['init', `file://${remoteDir}`], 0);
lsync(bob, ['sync'], 0);

process.stdout.write('\nBob edits docs/plan.md and adds todo.txt; Alice edits notes.txt.\n');
write(join(bob, 'docs', 'plan.md'), '# Plan\n- ship lsync\n- write the README\n');
write(join(bob, 'todo.txt'), 'buy coffee\n');
write(join(alice, 'notes.txt'), 'Meeting notes\nAlice: agreed on the plan\n');
lsync(bob, ['sync'], 0);
lsync(alice, ['sync'], 0);

process.stdout.write('\nBoth edit budget.csv differently: a conflict, never overwritten.\n');
write(join(alice, 'docs', 'budget.csv'), 'item,cost\nservers,120\n');
write(join(bob, 'docs', 'budget.csv'), 'item,cost\nservers,100\nlaptops,900\n');
lsync(alice, ['sync'], 0);
lsync(bob, ['sync'], 3);
lsync(bob, ['resolve', 'docs/budget.csv', '--keep', 'both'], 0);
lsync(alice, ['sync'], 0);

const a = tree(alice);
const b = tree(bob);
process.stdout.write(`\nAlice has: ${a.join(', ')}\nBob has:   ${b.join(', ')}\n`);
const same = a.length === b.length && a.every((p, i) => p === b[i] && readFileSync(join(alice, p), 'utf8') === readFileSync(join(bob, p), 'utf8'));
if (!same) {
  process.stderr.write('demo: the two trees differ\n');
  process.exit(1);
}
process.stdout.write('Both trees are identical, and both versions of budget.csv were kept.\n');
