/**
 * `lsync config get|set|unset|list [key] [value] [--global]`: the repository's options (and the
 * user's defaults with --global) through the typed config API (state/config-edit.ts), which
 * validates every key and value and keeps the file's comments and order.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { EXIT, LsyncError } from '../../core/errors.js';
import { META_DIR } from '../../core/paths.js';
import { findRepoRoot } from '../../app/repo.js';
import { getSetting, listSettings, setSetting, unsetSetting, type ConfigSetting, type ConfigTarget } from '../../state/config-edit.js';
import { CONFIG_FILE, globalConfigFile } from '../../state/config.js';
import { defineCommand } from '../command.js';
import type { Io } from '../io.js';

const ACTIONS = ['get', 'set', 'unset', 'list'] as const;
type Action = (typeof ACTIONS)[number];

/** Where `from` values read best for people: the file they would open. */
const FROM: Record<ConfigSetting['from'], string> = { repo: 'repository', global: 'global', default: 'default' };

type Env = NodeJS.ProcessEnv;

/** The file this invocation reads or edits: the repository's (found walking up) or the user's. */
async function targetOf(io: Io, global: boolean): Promise<{ target: ConfigTarget; file: string }> {
  const env = io.env as Env;
  if (global) return { target: { layer: 'global', env }, file: globalConfigFile(env) };
  const root = await findRepoRoot(io.cwd);
  if (root === undefined) {
    throw new LsyncError('not-a-repo', `not an lsync repository (or any of the parent directories): ${io.cwd}`, `run \`lsync config\` inside one, or add --global for your defaults for every repository (${globalConfigFile(env)})`);
  }
  const metaDir = join(root, META_DIR);
  return { target: { layer: 'repo', metaDir }, file: join(metaDir, CONFIG_FILE) };
}

function need(v: string | undefined, action: Action, what: string): string {
  if (v === undefined || v === '') throw new LsyncError('usage', `lsync config ${action}: ${what} is missing`, 'see `lsync config --help` (keys: `lsync config list`)');
  return v;
}

/**
 * --dry-run: the same edit on a copy of the file in a scratch folder (so it is validated exactly
 * as a real one), shown as a unified diff; the real file is not touched.
 */
async function preview(target: ConfigTarget, file: string, edit: (t: ConfigTarget) => Promise<unknown>): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'lsync-config-'));
  try {
    const copy: ConfigTarget = target.layer === 'repo' ? { layer: 'repo', metaDir: scratch } : { layer: 'global', env: { ...target.env, XDG_CONFIG_HOME: scratch } };
    const copied = target.layer === 'repo' ? join(scratch, CONFIG_FILE) : globalConfigFile(copy.layer === 'global' ? copy.env : {});
    await mkdir(join(copied, '..'), { recursive: true });
    await copyFile(file, copied).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    const before = await readFile(copied, 'utf8').catch(() => '');
    await edit(copy);
    const after = await readFile(copied, 'utf8').catch(() => '');
    return before === after ? '' : createTwoFilesPatch(file, file, before, after, '', '', { context: 2 });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function listLines(rows: readonly ConfigSetting[]): string[] {
  const keyWidth = Math.max(0, ...rows.map((r) => r.key.length));
  const valueWidth = Math.max(0, ...rows.map((r) => String(r.written ?? r.value).length));
  return rows.map((r) => `${r.key.padEnd(keyWidth)}  ${String(r.written ?? r.value).padEnd(valueWidth)}  ${FROM[r.from]}`);
}

export default defineCommand({
  command: 'config [action] [key] [value]',
  describe: "read or change the repository's options (or, with --global, your defaults for every repository)",
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ACTIONS, default: 'list', describe: 'get <key> | set <key> <value> | unset <key> | list [key prefix]' })
      .positional('key', { type: 'string', describe: 'an option (like conflict), or a remote\'s option as remote.<name>.<option> (lsync config list shows them)' })
      .positional('value', { type: 'string', describe: 'set: the new value (checked against the values the key allows)' })
      .option('global', { type: 'boolean', default: false, describe: 'your defaults for every repository ($XDG_CONFIG_HOME/lsync/config.yaml), instead of this repository\'s .lsync/config.yaml' })
      .example('lsync config set conflict keep-both', 'settle conflicts by keeping both copies in this repository')
      .example('lsync config set remote.origin.part_size 32M', 'bigger multipart parts for origin')
      .example('lsync config list', 'every option with its value and where it comes from (default, global, repository)')
      .epilog('Writing keeps the file\'s comments and order. A value a key does not allow is refused (exit 2) and the file is left as it was.'),
  run: async (args, { io, global }) => {
    const action = args.action as Action;
    if (action !== 'set' && args.value !== undefined) throw new LsyncError('usage', `lsync config ${action}: unexpected "${args.value}" (only set takes a value)`, 'see `lsync config --help`');
    if (action !== 'list') need(args.key, action, 'the key');
    if (action === 'set') need(args.value, action, 'the value');
    const { target, file } = await targetOf(io, args.global);
    const shown = relative(io.cwd, file).startsWith('..') ? file : relative(io.cwd, file);
    if (action === 'list') {
      // A key given to list narrows it: `lsync config list remote.origin`.
      const only = args.key?.replace(/^remotes\./, 'remote.');
      const rows = (await listSettings(target, io.env as Env)).filter((r) => only === undefined || r.key === only || r.key.startsWith(`${only}.`));
      if (global.json) io.stdout.write(`${JSON.stringify({ type: 'config', file, settings: rows })}\n`);
      else if (rows.length > 0) io.stdout.write(`${listLines(rows).join('\n')}\n`);
      return EXIT.ok;
    }
    const key = need(args.key, action, 'the key');
    if (action === 'get') {
      const s = await getSetting(target, key, io.env as Env);
      if (global.json) io.stdout.write(`${JSON.stringify({ type: 'config', key: s?.key ?? key, value: s?.value ?? null, from: s?.from ?? null, ...(s?.written !== undefined ? { written: s.written } : {}) })}\n`);
      else if (s !== undefined) io.stdout.write(`${String(s.written ?? s.value)}\n`);
      else io.stderr.write(`lsync: ${key} is not set in ${shown}\n`);
      // As `git config --get`: a key without a value is exit 1, so scripts can test for it.
      return s !== undefined ? EXIT.ok : EXIT.failed;
    }
    const edit = (t: ConfigTarget): Promise<unknown> => (action === 'set' ? setSetting(t, key, need(args.value, action, 'the value')) : unsetSetting(t, key));
    if (global.dryRun) {
      const patch = await preview(target, file, edit);
      io.stdout.write(patch === '' ? `(no change to ${shown})\n` : patch);
      return EXIT.ok;
    }
    const changed = await edit(target);
    if (action === 'unset' && changed === false && !global.quiet) io.stderr.write(`note: ${key} was not set in ${shown}\n`);
    if (global.json) io.stdout.write(`${JSON.stringify({ type: 'config', action, key, file, changed: changed !== false })}\n`);
    return EXIT.ok;
  },
});
