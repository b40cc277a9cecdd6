/**
 * The local directory walk: finds the regular files to synchronise, reading each directory's
 * ignore files before looking at its entries, so that an ignored directory is never entered.
 *
 * Never follows a symbolic link: with `links` a link is reported like a file (its own lstat, never
 * its target's), otherwise it is skipped. Unreadable directories, special files and links are
 * reported as skipped rather than thrown, because one bad folder must not stop a sync of the rest; callers
 * must treat skipped paths as unknown (never as deleted).
 */

import { lstat as lstatCallback, lstatSync, readdirSync, constants as fsConstants, type Dirent, type Stats } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { LsyncError } from '../core/errors.js';
import { META_DIR } from '../core/paths.js';
import { GITIGNORE, IgnoreRuleSet, LSYNCIGNORE } from './ignore.js';
import { describeError, errnoCode } from './errno.js';
import { runQueue } from './queue.js';
import { SLOW_STAT_MS, SlowFsProbe } from './slow-fs.js';
import { normaliseScopes } from './scope.js';

// The callback form through promisify is several times faster than `fs.promises.lstat` for many
// small calls (measured on Node 20).
const lstat = promisify(lstatCallback);

export interface Skipped {
  readonly path: string;
  readonly reason: string;
  /**
   * A name lsync cannot use at all (not UTF-8): the run counts it as left out (exit 1), and
   * `path` shows its bytes escaped (`bad\xff.txt`) so that the user can find it.
   */
  readonly badName?: boolean;
}

/** `name`'s bytes as text: valid UTF-8 as it is, every other byte as `\xNN` (and `\` as `\\`). */
export function escapeName(name: Buffer): string {
  let out = '';
  for (let i = 0; i < name.length; ) {
    const lead = name[i] ?? 0;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    const piece = length > 0 ? name.subarray(i, i + length) : undefined;
    if (piece !== undefined && piece.length === length && isUtf8(piece)) {
      out += length === 1 && lead === 0x5c ? '\\\\' : piece.toString('utf8');
      i += length;
    } else {
      out += `\\x${lead.toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

export interface WalkOptions {
  /** Repository-relative paths to limit the walk to; empty = everything. */
  readonly scopes: readonly string[];
  readonly useGitignore: boolean;
  /** Report symbolic links through `onFile` (as entries of their own) instead of skipping them. */
  readonly links?: boolean;
  /** Directories read at once. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
}

export interface WalkResult {
  readonly ignore: IgnoreRuleSet;
  /** Subdirectories holding their own `.lsync/`: other repositories, left out entirely. */
  readonly nested: string[];
  readonly skipped: Skipped[];
  /** Directories (not the root) in which nothing but ignored entries was found. */
  readonly emptyDirs: string[];
}

/** Called once per regular file (and, with `links`, per symbolic link) found, with its `lstat`. */
export type OnFile = (path: string, stats: Stats) => void;

/** Outcome of looking at one entry: did it contribute anything to its directory? */
type Seen = 'found' | 'nothing';

/** An entry its listing could not settle: it needs an lstat. */
interface Pending {
  readonly path: string;
  /** The listing said what kind of entry it is (so its ignore rules were already checked). */
  readonly knownType: boolean;
}

type StatResult = { readonly stats: Stats } | { readonly error: unknown };

/** The longest stretch of synchronous walking before the event loop gets a turn. */
const YIELD_MS = 50;

export async function walk(rootDir: string, options: WalkOptions, onFile: OnFile): Promise<WalkResult> {
  return new Walker(resolve(rootDir), options, onFile).run();
}

class Walker {
  private readonly rules = new IgnoreRuleSet();
  private readonly nested: string[] = [];
  private readonly skipped: Skipped[] = [];
  private readonly emptyDirs: string[] = [];
  private readonly ignoreNames: readonly string[];
  /** Ancestors of scopes already entered (their ignore files read), and whether they are usable. */
  private readonly ancestors = new Map<string, Promise<boolean>>();
  /** Decides when the walk turns asynchronous (slow storage). */
  private readonly probe = new SlowFsProbe();
  /** When the walk last let the event loop run (see `list`). */
  private yielded = performance.now();

  constructor(
    private readonly root: string,
    private readonly options: WalkOptions,
    private readonly onFile: OnFile,
  ) {
    // .gitignore first: in one directory, .lsyncignore patterns come later and so win.
    this.ignoreNames = options.useGitignore ? [GITIGNORE, LSYNCIGNORE] : [LSYNCIGNORE];
  }

  async run(): Promise<WalkResult> {
    const scopes = normaliseScopes(this.options.scopes);
    await this.checkRoot();
    const dirs: string[] = [];
    if (scopes === 'all') {
      dirs.push('');
    } else {
      // Scopes are walked one after the other only up to their own folder; the folders
      // themselves share one queue below.
      for (const scope of scopes) {
        if (await this.enterScopeAncestors(scope)) await this.enterScope(scope, dirs);
      }
    }
    await runQueue(dirs, this.options.concurrency, (dir, push) => this.visitDir(dir, push));
    return { ignore: this.rules, nested: this.nested, skipped: this.skipped, emptyDirs: this.emptyDirs };
  }

  /** A missing root must fail the scan: an empty result would read as "everything was deleted". */
  private async checkRoot(): Promise<void> {
    let ok = false;
    let cause: unknown;
    try {
      ok = (await lstat(this.root)).isDirectory();
    } catch (e) {
      cause = e;
    }
    if (!ok) {
      const why = cause === undefined ? 'not a folder' : describeError(cause);
      throw new LsyncError('local-io', `cannot read the repository folder ${this.root}: ${why}`, undefined, { cause });
    }
  }

  private abs(path: string): string {
    return path === '' ? this.root : `${this.root}/${path}`;
  }

  private skip(path: string, reason: string): void {
    this.skipped.push({ path, reason });
  }

  /** Reads the ignore files of each folder above `scope`; false when the scope cannot be reached. */
  private async enterScopeAncestors(scope: string): Promise<boolean> {
    const parts = scope.split('/');
    let dir = '';
    for (let i = 0; i < parts.length; i++) {
      let entered = this.ancestors.get(dir);
      if (entered === undefined) {
        entered = this.enterAncestor(dir);
        this.ancestors.set(dir, entered);
      }
      if (!(await entered)) return false;
      dir = dir === '' ? (parts[i] ?? '') : `${dir}/${parts[i] ?? ''}`;
    }
    return true;
  }

  private async enterAncestor(dir: string): Promise<boolean> {
    if (dir !== '') {
      const st = await this.lstatOrUndefined(dir);
      if (st === undefined) return false;
      if (st.isSymbolicLink()) {
        this.skip(dir, 'a symbolic link, not followed');
        return false;
      }
      if (!st.isDirectory() || this.rules.ignoresOwn(dir, true)) return false;
      const meta = await this.lstatOrUndefined(`${dir}/${META_DIR}`);
      if (meta?.isDirectory() === true) {
        this.addNested(dir);
        return false;
      }
    }
    const present: string[] = [];
    for (const name of this.ignoreNames) {
      const st = await this.lstatOrUndefined(dir === '' ? name : `${dir}/${name}`);
      if (st?.isFile() === true) present.push(name);
    }
    return this.readIgnoreFiles(dir, present);
  }

  private async enterScope(scope: string, dirs: string[]): Promise<void> {
    const st = await this.lstatOrUndefined(scope);
    if (st === undefined) return;
    if (st.isDirectory()) {
      if (!this.rules.ignoresOwn(scope, true)) dirs.push(scope);
      return;
    }
    if (!this.rules.ignoresOwn(scope, false)) this.classify(scope, st, (d) => dirs.push(d));
  }

  private async lstatOrUndefined(path: string): Promise<Stats | undefined> {
    try {
      return await lstat(this.abs(path));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  private async visitDir(dir: string, push: (dir: string) => void): Promise<void> {
    this.options.signal?.throwIfAborted();
    let dirents: Dirent[];
    try {
      dirents = await this.list(dir);
    } catch (e) {
      if (dir === '') {
        // A root that cannot be listed would look like "every file was deleted".
        throw new LsyncError('local-io', `cannot read the repository folder ${this.root}: ${describeError(e)}`, undefined, { cause: e });
      }
      if (!isMissing(e)) this.skip(dir, `unreadable directory (${describeError(e)})`);
      return;
    }
    const invalid = dirents.some((d) => d.name.includes('\uFFFD')) ? await this.invalidNames(dir) : undefined;

    if (dir !== '' && (await this.holdsMetaDir(dir, dirents))) {
      this.addNested(dir);
      return;
    }
    const present = dirents.filter((d) => d.isFile() && this.ignoreNames.includes(d.name)).map((d) => d.name);
    if (present.length > 0 && !(await this.readIgnoreFiles(dir, present))) return;

    let found = false;
    const toStat: Pending[] = [];
    for (const d of dirents) {
      const r = this.precheck(dir, d, invalid, push);
      if (r === 'found') found = true;
      else if (r !== 'nothing') toStat.push(r);
    }
    const results = await this.statAll(toStat);
    for (let i = 0; i < toStat.length; i++) {
      const p = toStat[i];
      const r = results[i];
      if (p !== undefined && r !== undefined && this.afterStat(p, r, push) === 'found') found = true;
    }
    if (dir !== '' && !found) this.emptyDirs.push(dir);
  }

  /**
   * A directory's entries. Synchronous while the file system is fast, as for stats (`statAll`):
   * on a cached tree the thread-pool round trip of each readdir cost more than the call (a third
   * of a 10,000-file no-op's walk on a loaded 2-core machine). The event loop still gets a turn
   * every YIELD_MS, so Ctrl-C, progress and the watcher's timers are not held up by a big tree.
   */
  private async list(dir: string): Promise<Dirent[]> {
    if (this.probe.isSlow) return readdir(this.abs(dir), { withFileTypes: true });
    if (performance.now() - this.yielded > YIELD_MS) {
      await new Promise<void>((res) => setImmediate(res));
      this.yielded = performance.now();
    }
    // Timed from here, not from before the turn above: what other work ran meanwhile says
    // nothing about this file system (it had made every large walk asynchronous after 50 ms).
    const started = performance.now();
    const dirents = readdirSync(this.abs(dir), { withFileTypes: true });
    this.probe.listed(performance.now() - started);
    return dirents;
  }

  /** Settles an entry from its listing where possible; otherwise says what to stat. */
  private precheck(dir: string, d: Dirent, invalid: ReadonlyMap<string, string> | undefined, push: (dir: string) => void): Seen | Pending {
    const name = d.name;
    if (name === META_DIR) return 'nothing';
    const path = dir === '' ? name : `${dir}/${name}`;
    const escaped = invalid?.get(name);
    if (escaped !== undefined) {
      this.skipped.push({ path: dir === '' ? escaped : `${dir}/${escaped}`, reason: 'the name is not valid UTF-8 (bytes shown as \\xNN)', badName: true });
      return 'found';
    }
    // Most file systems report the type with the name: ignored entries then cost no system call.
    const knownType = hasType(d);
    if (knownType && this.rules.ignoresOwn(path, d.isDirectory())) return 'nothing';
    if (d.isDirectory()) {
      push(path);
      return 'found';
    }
    return { path, knownType };
  }

  private afterStat(p: Pending, r: StatResult, push: (dir: string) => void): Seen {
    if (!('stats' in r)) {
      if (isMissing(r.error)) return 'nothing'; // deleted since the listing
      this.skip(p.path, `cannot stat (${describeError(r.error)})`);
      return 'found';
    }
    if (!p.knownType && this.rules.ignoresOwn(p.path, r.stats.isDirectory())) return 'nothing';
    return this.classify(p.path, r.stats, push);
  }

  /**
   * lstat of one directory's entries. Synchronous calls while they are fast: on a cached tree a
   * stat is a microsecond-scale system call and the promise and thread-pool round trip costs
   * several times more (a 100k-file rescan took 2.5x longer on a loaded 2-core machine). Switches
   * to parallel asynchronous calls for good once stats turn out slow (cold or network storage).
   */
  private async statAll(pending: readonly Pending[]): Promise<StatResult[]> {
    if (this.probe.isSlow) {
      return Promise.all(pending.map((p) => lstat(this.abs(p.path)).then((stats) => ({ stats }), (error: unknown) => ({ error }))));
    }
    // Each call timed on its own: a garbage collection inside one call must not pass for a slow
    // file system (it had turned a cached walk asynchronous), so most of them must be slow.
    let slow = 0;
    const out = pending.map((p): StatResult => {
      const started = performance.now();
      try {
        return { stats: lstatSync(this.abs(p.path)) };
      } catch (error) {
        return { error };
      } finally {
        if (performance.now() - started > SLOW_STAT_MS) slow++;
      }
    });
    this.probe.statted(pending.length, slow);
    return out;
  }

  private classify(path: string, st: Stats, push: (dir: string) => void): Seen {
    if (st.isFile() || (st.isSymbolicLink() && this.options.links === true)) {
      this.onFile(path, st);
    } else if (st.isDirectory()) {
      push(path); // replaced by a directory since the listing, or a type-less listing
    } else {
      this.skip(path, specialKind(st));
    }
    return 'found';
  }

  /** Reads ignore files; false (and the folder reported) when one cannot be read. */
  private async readIgnoreFiles(dir: string, names: readonly string[]): Promise<boolean> {
    const texts: string[] = [];
    for (const name of this.ignoreNames) {
      if (!names.includes(name)) continue;
      const path = dir === '' ? name : `${dir}/${name}`;
      try {
        // O_NOFOLLOW: an ignore file swapped for a link is not read through it.
        texts.push(await readFile(this.abs(path), { encoding: 'utf8', flag: fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW }));
      } catch (e) {
        if (isMissing(e)) continue;
        // Without its rules, the folder could upload what the user meant to keep out.
        if (dir === '') throw new LsyncError('local-io', `cannot read ${path}: ${describeError(e)}`, undefined, { cause: e });
        this.skip(dir, `unreadable ignore file ${name} (${describeError(e)})`);
        return false;
      }
    }
    this.rules.addIgnoreFiles(dir, texts);
    return true;
  }

  /** True when `dir` holds a `.lsync/` folder: another repository. */
  private async holdsMetaDir(dir: string, dirents: readonly Dirent[]): Promise<boolean> {
    const d = dirents.find((x) => x.name === META_DIR);
    if (d === undefined) return false;
    if (hasType(d)) return d.isDirectory();
    return (await this.lstatOrUndefined(`${dir}/${META_DIR}`))?.isDirectory() === true;
  }

  private addNested(dir: string): void {
    this.nested.push(dir);
    this.rules.addNested(dir);
  }

  /** Names in `dir` whose bytes are not UTF-8: as Node decodes them (with U+FFFD) → their bytes escaped. */
  private async invalidNames(dir: string): Promise<Map<string, string>> {
    const raw = await readdir(this.abs(dir), { encoding: 'buffer' });
    return new Map(raw.filter((b) => !isUtf8(b)).map((b) => [b.toString('utf8'), escapeName(b)]));
  }
}

/** False when the file system did not say what the entry is (DT_UNKNOWN): lstat it. */
function hasType(d: Dirent): boolean {
  return d.isFile() || d.isDirectory() || d.isSymbolicLink() || d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice();
}

function specialKind(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link, not followed; --links syncs links';
  if (st.isFIFO()) return 'named pipe';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
  return 'unsupported file type';
}

/** The path (or a folder on its way) does not exist (any more): not an error for a scan. */
function isMissing(e: unknown): boolean {
  const code = errnoCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
