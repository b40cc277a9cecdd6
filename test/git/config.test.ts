/**
 * `lsync config` on the command line: round trips that keep comments and order, the --global
 * layer under the repository's values, bad keys and values (one line, exit 2, file untouched),
 * and a clear error outside a repository.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../cli/run.js';
import { configuredConcurrency } from '../../src/cli/configured.js';
import { globalOptions, type GlobalArgs } from '../../src/cli/options.js';

const CONFIG = `# team notes: keep this comment
version: 2
remotes:
  origin:
    url: file:///srv/team # the NAS
    region: eu-west-1
  backup:
    url: file:///mnt/backup
    role: mirror
# conflicts: we like copies
conflict: keep-both
use_gitignore: true # the tree has a .gitignore
`;

let tmp = '';
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lsync-config-cli-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A repository (only its config.yaml: config needs nothing else) and a user config dir of its own. */
async function fixture(name: string, text = CONFIG): Promise<{ root: string; file: string; env: Record<string, string>; globalFile: string }> {
  const root = join(tmp, name);
  await mkdir(join(root, '.lsync'), { recursive: true });
  await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  const file = join(root, '.lsync', 'config.yaml');
  await writeFile(file, text);
  const xdg = join(tmp, `${name}-xdg`);
  return { root, file, env: { HOME: join(tmp, `${name}-home`), XDG_CONFIG_HOME: xdg }, globalFile: join(xdg, 'lsync', 'config.yaml') };
}

test('set and unset keep the comments and the order of the other lines; get reads the new value', async () => {
  const f = await fixture('roundtrip');
  let r = await runCli(['config', 'set', 'conflict', 'local'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['config', 'set', 'remotes.origin.part_size', '32M'], join(f.root, 'sub', 'deeper'), f.env);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['config', 'set', 'max_delete_share', '0.25'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  const text = await readFile(f.file, 'utf8');
  assert.equal(
    text,
    CONFIG.replace('url: file:///srv/team # the NAS\n    region: eu-west-1\n', 'url: file:///srv/team # the NAS\n    region: eu-west-1\n    part_size: 32M\n')
      .replace('conflict: keep-both', 'conflict: local') + 'max_delete_share: 0.25\n',
  );
  r = await runCli(['config', 'get', 'conflict'], f.root, f.env);
  assert.deepEqual([r.code, r.stdout], [0, 'local\n']);
  r = await runCli(['config', 'get', 'remote.origin.part_size', '--json'], f.root, f.env);
  assert.deepEqual(JSON.parse(r.stdout), { type: 'config', key: 'remote.origin.part_size', value: 32 * 1024 * 1024, from: 'repo', written: '32M' });

  r = await runCli(['config', 'unset', 'remote.origin.part_size'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['config', 'unset', 'max_delete_share'], f.root, f.env);
  r = await runCli(['config', 'set', 'conflict', 'keep-both'], f.root, f.env);
  assert.equal(await readFile(f.file, 'utf8'), CONFIG, 'back to the very same bytes');
  r = await runCli(['config', 'unset', 'max_delete_share'], f.root, f.env);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^note: max_delete_share was not set in \.lsync\/config\.yaml\n$/);
});

test('list: effective values with where each comes from; --global values sit under the repository\'s', async () => {
  const f = await fixture('layers');
  let r = await runCli(['config', 'set', '--global', 'conflict', 'remote'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['config', 'set', '--global', 'links', 'true'], join(tmp), f.env);
  assert.equal(r.code, 0, 'outside a repository --global works too: ' + r.stderr);
  assert.equal(await readFile(f.globalFile, 'utf8'), 'conflict: remote\nlinks: true\n');

  r = await runCli(['config', 'list'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
  assert.deepEqual(rows.slice(0, 4), [
    ['conflict', 'keep-both', 'repository'],
    ['max_delete_share', '0.5', 'default'],
    ['use_gitignore', 'true', 'repository'],
    ['links', 'true', 'global'],
  ]);
  assert.ok(rows.some((x) => x.join(' ') === 'remote.backup.role mirror repository'), r.stdout);

  r = await runCli(['config', 'unset', 'conflict'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['config', 'get', 'conflict', '--json'], f.root, f.env);
  assert.deepEqual(JSON.parse(r.stdout), { type: 'config', key: 'conflict', value: 'remote', from: 'global' });
  r = await runCli(['config', 'list', '--global', '--json'], f.root, f.env);
  assert.deepEqual(JSON.parse(r.stdout).settings, [
    { key: 'conflict', value: 'remote', from: 'global' },
    { key: 'links', value: true, from: 'global' },
  ]);
  const listed = (await runCli(['config', 'list'], f.root, f.env)).stdout;
  assert.equal((await runCli(['config'], f.root, f.env)).stdout, listed, 'list is the default action');
  r = await runCli(['config', 'list', 'remote.origin'], f.root, f.env);
  assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/)[0]), ['remote.origin.url', 'remote.origin.role', 'remote.origin.region']);
});

test('sizes are shown as written, defaults included (1G, not 1073741824)', async () => {
  const f = await fixture('sizes');
  const row = async (key: string): Promise<string[] | undefined> =>
    (await runCli(['config', 'list'], f.root, f.env)).stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/))
      .find((x) => x[0] === key);
  assert.deepEqual(await row('trash_max_size'), ['trash_max_size', '1G', 'default']);
  assert.equal((await runCli(['config', 'get', 'trash_max_size'], f.root, f.env)).stdout, '1G\n');
  for (const [key, written, bytes] of [['trash_max_size', '2G', 2 * 1024 ** 3], ['remote.origin.part_size', '32M', 32 * 1024 ** 2]] as const) {
    const r = await runCli(['config', 'set', key, written], f.root, f.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await row(key), [key, written, 'repository']);
    assert.equal((await runCli(['config', 'get', key], f.root, f.env)).stdout, `${written}\n`);
    // Scripts get the bytes, and the text beside them.
    assert.deepEqual(JSON.parse((await runCli(['config', 'get', key, '--json'], f.root, f.env)).stdout), { type: 'config', key, value: bytes, from: 'repo', written });
  }
});

test('a bad key or value: one line naming the key and the allowed values, exit 2, files untouched', async () => {
  const f = await fixture('bad');
  await mkdir(join(f.globalFile, '..'), { recursive: true });
  await writeFile(f.globalFile, '# mine\nconflict: local\n');
  const cases: [string[], RegExp][] = [
    [['config', 'set', 'conflict', 'maybe'], /^lsync: conflict: "maybe" is not allowed: use one of stop, keep-both, local, remote\n/],
    [['config', 'set', 'links', 'yes'], /^lsync: links: "yes" is not allowed: use true or false\n/],
    [['config', 'set', 'max_delete_share', '2'], /^lsync: max_delete_share: "2" is not allowed: use a number from 0 to 1\n/],
    [['config', 'set', 'remote.origin.part_size', '1K'], /^lsync: remote\.origin\.part_size: "1K" is not allowed: use a size from 5 MiB to 5120 MiB, like 16M\n/],
    [['config', 'set', 'remote.origin.url', 's3://bkt/a//b'], /^lsync: remote\.origin\.url: "s3:\/\/bkt\/a\/\/b" is not allowed/],
    [['config', 'set', 'colour', 'auto'], /^lsync: unknown config key "colour"\nhint: repository keys: conflict, max_delete_share, .*; remote keys: remote\.<name>\./],
    [['config', 'set', 'remote.nosuch.region', 'x'], /^lsync: no remote named "nosuch"\n/],
    [['config', 'set', '--global', 'conflict', 'sometimes'], /^lsync: conflict: "sometimes" is not allowed: use one of stop/],
    [['config', 'set', '--global', 'remote.origin.region', 'x'], /^lsync: "remote\.origin\.region" belongs to one repository's remote, not to the user's defaults\n/],
    [['config', 'unset', 'remote.origin.url'], /^lsync: remote\.origin\.url cannot be unset\n/],
    [['config', 'set', 'conflict'], /^lsync: lsync config set: the value is missing\n/],
    [['config', 'get'], /^lsync: lsync config get: the key is missing\n/],
    [['config', 'get', 'conflict', 'extra'], /^lsync: lsync config get: unexpected "extra" \(only set takes a value\)\n/],
    [['config', 'frobnicate'], /^lsync: .*frobnicate/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, f.root, f.env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.equal(await readFile(f.file, 'utf8'), CONFIG, `${args.join(' ')} left the repository's file alone`);
    assert.equal(await readFile(f.globalFile, 'utf8'), '# mine\nconflict: local\n', `${args.join(' ')} left the global file alone`);
  }
});

test('outside a repository without --global: a clear error, exit 2; a missing value is exit 1', async () => {
  const f = await fixture('outside');
  const away = join(tmp, 'not-a-repo');
  await mkdir(away, { recursive: true });
  for (const args of [['config', 'list'], ['config', 'set', 'conflict', 'local'], ['config', 'get', 'conflict']]) {
    const r = await runCli(args, away, f.env);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^lsync: not an lsync repository \(or any of the parent directories\): .*not-a-repo\nhint: run `lsync config` inside one, or add --global .*lsync\/config\.yaml\)\n$/);
  }
  const r = await runCli(['config', 'get', 'remote.origin.endpoint'], f.root, f.env);
  assert.deepEqual([r.code, r.stdout], [1, '']);
  assert.match(r.stderr, /remote\.origin\.endpoint is not set/);
});

test('concurrency: the config\'s value (repository, else --global) is the default of --concurrency', async () => {
  const f = await fixture('concurrency');
  const io = (cwd: string) => ({ stdout: { write: () => true }, stderr: { write: () => true }, cwd, env: f.env });
  assert.equal(await configuredConcurrency(io(f.root)), 16, 'lsync\'s default when nothing is set');
  let r = await runCli(['config', 'set', '--global', 'concurrency', '4'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await configuredConcurrency(io(join(f.root, 'sub'))), 4, 'the user default reaches the repository');
  assert.equal(await configuredConcurrency(io(tmp)), 4, 'and outside any repository');
  r = await runCli(['config', 'set', 'concurrency', '64'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await configuredConcurrency(io(f.root)), 64, 'the repository\'s value wins');
  const args = (concurrency?: number) => ({ concurrency, json: false, quiet: false, verbose: false, 'dry-run': false }) as unknown as GlobalArgs;
  assert.equal(globalOptions(args(), 64).concurrency, 64);
  assert.equal(globalOptions(args(8), 64).concurrency, 8, '--concurrency wins over the config');
  assert.equal(globalOptions(args()).concurrency, 16);
  for (const bad of ['0', '2.5', '2000', 'many']) {
    r = await runCli(['config', 'set', 'concurrency', bad], f.root, f.env);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, new RegExp(`^lsync: concurrency: "${bad.replace('.', '\\.')}" is not allowed: use a whole number from 1 to 1024\n`));
  }
  await writeFile(f.file, 'version: 2\nremotes: [broken\n');
  assert.equal(await configuredConcurrency(io(f.root)), undefined, 'a broken config is left for the command to report');
});

test('--dry-run shows the change as a diff and writes nothing', async () => {
  const f = await fixture('dry');
  let r = await runCli(['config', 'set', 'conflict', 'stop', '--dry-run'], f.root, f.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\n-conflict: keep-both\n\+conflict: stop\n/);
  assert.equal(await readFile(f.file, 'utf8'), CONFIG);
  r = await runCli(['config', 'set', '--global', 'links', 'true', '--dry-run'], f.root, f.env);
  assert.match(r.stdout, /\n\+links: true\n/);
  await assert.rejects(readFile(f.globalFile, 'utf8'), { code: 'ENOENT' });
  r = await runCli(['config', 'set', 'conflict', 'never', '--dry-run'], f.root, f.env);
  assert.equal(r.code, 2, 'a dry run validates as a real one');
});
