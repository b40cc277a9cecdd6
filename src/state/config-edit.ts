/**
 * Reading and editing config files by key, keeping the user's comments, order and layout (the
 * `yaml` package's Document API): what `lsync config`, `lsync remote` and `lsync doctor` build on.
 *
 * Key names: a repository key as is (`conflict`), a remote's key as `remote.<name>.<key>`
 * (`remote.origin.endpoint`). Two layers: the repository's `.lsync/config.yaml` and the user's
 * defaults (`--global`, repository keys only). Every change is validated as a whole file before
 * it is written (atomically), so an edit never leaves a config that lsync cannot read.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as YAML from 'yaml';
import { LsyncError } from '../core/errors.js';
import { REMOTE_KEYS, REPO_KEYS, remoteKey, remoteNameProblem, repoKey, type ConfigValue, type KeySpec } from './config-keys.js';
import { CONFIG_FILE, globalConfigFile, loadGlobalDefaults, parseConfig, REMOTE_FIELDS, REPO_FIELDS, type RepoConfig } from './config.js';
import { writeFileAtomic } from './atomic.js';

export type { ConfigValue } from './config-keys.js';

/** Which file: a repository's (its `.lsync/` folder) or the user's defaults. */
export type ConfigTarget = { readonly layer: 'repo'; readonly metaDir: string } | { readonly layer: 'global'; readonly env?: NodeJS.ProcessEnv };

export interface ConfigSetting {
  readonly key: string;
  readonly value: ConfigValue;
  /** Where the value comes from: the repository's file, the user's defaults, or lsync's default. */
  readonly from: 'repo' | 'global' | 'default';
  /** A size as it is written (`1G`, `32M`): what people read; `value` is in bytes, for scripts. */
  readonly written?: string;
}

/** A key name resolved: its spec and where it lives in the YAML document. */
interface Resolved {
  readonly name: string;
  readonly spec: KeySpec;
  /** The remote it belongs to (remote keys). */
  readonly remote?: string;
}

function usage(message: string, hint?: string): LsyncError {
  return new LsyncError('usage', message, hint);
}

const KNOWN = `repository keys: ${REPO_KEYS.map((k) => k.key).join(', ')}; remote keys: remote.<name>.{${REMOTE_KEYS.map((k) => k.key).join(',')}}`;

function resolveKey(name: string, target: ConfigTarget): Resolved {
  const repo = repoKey(name);
  if (repo !== undefined) return { name, spec: repo };
  const m = /^remotes?\.([^.]+)\.([a-z_]+)$/.exec(name);
  const spec = m === null ? undefined : remoteKey(m[2] as string);
  if (m === null || spec === undefined) throw usage(`unknown config key "${name}"`, KNOWN);
  if (target.layer === 'global') throw usage(`"${name}" belongs to one repository's remote, not to the user's defaults`, 'run it without --global inside the repository');
  return { name: `remote.${m[1] as string}.${spec.key}`, spec, remote: m[1] as string };
}

function fileOf(target: ConfigTarget): string {
  return target.layer === 'repo' ? join(target.metaDir, CONFIG_FILE) : globalConfigFile(target.env);
}

/** The file as a Document (an empty one when a --global file does not exist yet). */
async function readDocument(target: ConfigTarget): Promise<YAML.Document> {
  const file = fileOf(target);
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!(code === 'ENOENT' && target.layer === 'global')) throw new LsyncError('bad-config', `cannot read ${file}: ${code ?? String(e)}`);
  }
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new LsyncError('bad-config', `${file}: not valid YAML`, 'fix the file by hand');
  return doc.contents === null ? new YAML.Document({}) : doc;
}

/** Check the edited document as lsync will read it, then replace the file atomically. */
async function writeDocument(target: ConfigTarget, doc: YAML.Document): Promise<void> {
  const file = fileOf(target);
  if (target.layer === 'repo') parseConfig(doc.toJS() as unknown, file);
  await mkdir(dirname(file), { recursive: true });
  // The global file is validated by reading it back the way every command will.
  const before = target.layer === 'global' ? await readFile(file, 'utf8').catch(() => undefined) : undefined;
  await writeFileAtomic(file, String(doc));
  if (target.layer === 'global') {
    try {
      await loadGlobalDefaults(target.env);
    } catch (e) {
      await writeFileAtomic(file, before ?? '');
      throw e;
    }
  }
}

/** The map at the document's top. */
function top(doc: YAML.Document): YAML.YAMLMap {
  if (!YAML.isMap(doc.contents)) throw new LsyncError('bad-config', 'config: expected a mapping of options');
  return doc.contents;
}

const V1_REMOTE_KEYS = new Set(['remote', ...REMOTE_KEYS.map((k) => k.key).filter((k) => k !== 'url' && k !== 'role')]);

/**
 * Version 1 (`remote:` and its options at the top) → version 2 (`remotes: { origin: {...} }`),
 * moving each pair with its comments. Done before any edit that touches a remote.
 */
export function upgradeDocument(doc: YAML.Document): void {
  const map = top(doc);
  if (doc.get('version') !== 1) return;
  const origin = new YAML.YAMLMap();
  const kept: YAML.Pair[] = [];
  for (const pair of map.items) {
    const key = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
    if (typeof key === 'string' && V1_REMOTE_KEYS.has(key)) {
      if (key === 'remote' && YAML.isScalar(pair.key)) pair.key.value = 'url';
      origin.items.push(pair);
    } else kept.push(pair);
  }
  map.items = kept;
  doc.set('version', 2);
  const remotes = new YAML.YAMLMap();
  remotes.items.push(new YAML.Pair(new YAML.Scalar('origin'), origin));
  const at = map.items.findIndex((p) => YAML.isScalar(p.key) && p.key.value === 'version');
  map.items.splice(at + 1, 0, new YAML.Pair(new YAML.Scalar('remotes'), remotes));
}

function pathOf(r: Resolved): string[] {
  return r.remote !== undefined ? ['remotes', r.remote, r.spec.key] : [r.spec.key];
}

function valueFor(r: Resolved, input: unknown): ConfigValue {
  const v = r.spec.parse(input);
  if (v === undefined) throw usage(`${r.name}: ${JSON.stringify(input)} is not allowed: use ${r.spec.allowed}`);
  return r.spec.keepsText === true && typeof input === 'string' ? input.trim() : v;
}

function requireRemote(doc: YAML.Document, name: string): void {
  if (!doc.hasIn(['remotes', name])) throw usage(`no remote named "${name}"`, 'see `lsync remote list`');
}

/** Set one key (validated against its allowed values; a string from a command line is parsed). */
export async function setSetting(target: ConfigTarget, key: string, input: unknown): Promise<void> {
  const r = resolveKey(key, target);
  const value = valueFor(r, input);
  const doc = await readDocument(target);
  if (r.remote !== undefined) {
    upgradeDocument(doc);
    requireRemote(doc, r.remote);
  }
  doc.setIn(pathOf(r), value);
  await writeDocument(target, doc);
}

/** Remove one key (the value falls back to the user's default, then lsync's). False when it was not set. */
export async function unsetSetting(target: ConfigTarget, key: string): Promise<boolean> {
  const r = resolveKey(key, target);
  if (r.spec.key === 'url') throw usage(`${r.name} cannot be unset`, 'use `lsync remote remove <name>` to forget a mirror');
  const doc = await readDocument(target);
  if (r.remote !== undefined) upgradeDocument(doc);
  if (!doc.hasIn(pathOf(r))) return false;
  doc.deleteIn(pathOf(r));
  await writeDocument(target, doc);
  return true;
}

function writtenAs(spec: KeySpec, text: unknown): { written?: string } {
  return spec.keepsText === true && (typeof text === 'string' || typeof text === 'number') ? { written: String(text) } : {};
}

function loadedValue(cfg: RepoConfig, r: Resolved): ConfigValue | undefined {
  const remote = cfg.remotes.find((x) => x.name === r.remote);
  const field = REMOTE_FIELDS[r.spec.key];
  return remote === undefined || field === undefined ? undefined : (remote[field] as ConfigValue | undefined);
}

/** Every setting with a value in this layer (repo: the effective values, with where each comes from). */
export async function listSettings(target: ConfigTarget, env: NodeJS.ProcessEnv = process.env): Promise<ConfigSetting[]> {
  if (target.layer === 'global') {
    const defaults = await loadGlobalDefaults(target.env);
    return Object.entries(defaults).map(([key, value]) => ({ key, value, from: 'global' as const }));
  }
  const doc = await readDocument(target);
  const js = doc.toJS() as unknown;
  const file = fileOf(target);
  const defaults = await loadGlobalDefaults(env);
  const cfg = parseConfig(js, file, defaults);
  const own = (js ?? {}) as Record<string, unknown>;
  const out: ConfigSetting[] = [];
  for (const spec of REPO_KEYS) {
    const from = own[spec.key] !== undefined && own[spec.key] !== null ? 'repo' : defaults[spec.key] !== undefined ? 'global' : 'default';
    const value = cfg[REPO_FIELDS[spec.key] as keyof RepoConfig] as ConfigValue | undefined;
    // A size as it was written (`2G`), its default too (`1G`), beside the bytes.
    const text = from === 'repo' ? own[spec.key] : from === 'global' ? defaults[spec.key] : spec.fallbackText;
    if (value !== undefined) out.push({ key: spec.key, value, from, ...writtenAs(spec, text) });
  }
  const ownRemotes = typeof own['remotes'] === 'object' && own['remotes'] !== null ? (own['remotes'] as Record<string, unknown>) : {};
  for (const remote of cfg.remotes) {
    const written = ownRemotes[remote.name];
    for (const spec of REMOTE_KEYS) {
      const r: Resolved = { name: `remote.${remote.name}.${spec.key}`, spec, remote: remote.name };
      const text = typeof written === 'object' && written !== null ? (written as Record<string, unknown>)[spec.key] : undefined;
      const value = loadedValue(cfg, r);
      if (value !== undefined) out.push({ key: r.name, value, from: 'repo', ...writtenAs(spec, text) });
    }
  }
  return out;
}

/** One setting, or undefined when it has no value (an unknown key is a usage error). */
export async function getSetting(target: ConfigTarget, key: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigSetting | undefined> {
  const r = resolveKey(key, target);
  return (await listSettings(target, env)).find((s) => s.key === r.name);
}

/** Add a remote with its options (YAML keys); refuses a name already in use. */
export async function addRemote(metaDir: string, name: string, options: Readonly<Record<string, unknown>>): Promise<void> {
  const problem = remoteNameProblem(name);
  if (problem !== undefined) throw usage(problem);
  const target: ConfigTarget = { layer: 'repo', metaDir };
  const doc = await readDocument(target);
  upgradeDocument(doc);
  if (doc.hasIn(['remotes', name])) throw usage(`a remote named "${name}" already exists`, 'pick another name, or `lsync remote remove` it first');
  const values: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    values[k] = valueFor({ name: `remote.${name}.${k}`, spec: remoteKeyOrThrow(k), remote: name }, v);
  }
  doc.setIn(['remotes', name], doc.createNode(values));
  await writeDocument(target, doc);
}

function remoteKeyOrThrow(k: string): KeySpec {
  const spec = remoteKey(k);
  if (spec === undefined) throw usage(`unknown remote option "${k}"`, KNOWN);
  return spec;
}

/** Set several options of one remote at once (init --force, doctor's findings). */
export async function setRemoteOptions(metaDir: string, name: string, options: Readonly<Record<string, unknown>>): Promise<void> {
  const target: ConfigTarget = { layer: 'repo', metaDir };
  const doc = await readDocument(target);
  upgradeDocument(doc);
  requireRemote(doc, name);
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) doc.deleteIn(['remotes', name, k]);
    else doc.setIn(['remotes', name, k], valueFor({ name: `remote.${name}.${k}`, spec: remoteKeyOrThrow(k), remote: name }, v));
  }
  await writeDocument(target, doc);
}

export async function removeRemote(metaDir: string, name: string): Promise<void> {
  const target: ConfigTarget = { layer: 'repo', metaDir };
  const doc = await readDocument(target);
  upgradeDocument(doc);
  requireRemote(doc, name);
  doc.deleteIn(['remotes', name]);
  await writeDocument(target, doc);
}

/** Rename a remote in place (its position and comments stay). */
export async function renameRemote(metaDir: string, from: string, to: string): Promise<void> {
  const problem = remoteNameProblem(to);
  if (problem !== undefined) throw usage(problem);
  const target: ConfigTarget = { layer: 'repo', metaDir };
  const doc = await readDocument(target);
  upgradeDocument(doc);
  requireRemote(doc, from);
  if (doc.hasIn(['remotes', to])) throw usage(`a remote named "${to}" already exists`);
  const remotes = doc.get('remotes');
  if (!YAML.isMap(remotes)) throw usage(`no remote named "${from}"`);
  const pair = remotes.items.find((p) => YAML.isScalar(p.key) && p.key.value === from);
  if (pair === undefined || !YAML.isScalar(pair.key)) throw usage(`no remote named "${from}"`);
  // The role defaults by name (origin: sync, others: mirror): a renamed remote keeps its own.
  if ((from === 'origin' || to === 'origin') && !doc.hasIn(['remotes', from, 'role'])) doc.setIn(['remotes', from, 'role'], from === 'origin' ? 'sync' : 'mirror');
  pair.key.value = to;
  await writeDocument(target, doc);
}

/** config.yaml in the version 2 form (the layout migration's last step); unchanged when it already is. */
export async function upgradeConfigFile(metaDir: string): Promise<void> {
  const target: ConfigTarget = { layer: 'repo', metaDir };
  const doc = await readDocument(target);
  if (doc.get('version') !== 1) return;
  upgradeDocument(doc);
  await writeDocument(target, doc);
}
