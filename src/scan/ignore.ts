/**
 * Ignore rules: `.lsyncignore` files (and optionally `.gitignore` files) at any level, in gitignore
 * syntax, each applying to its own directory and below, exactly as git reads `.gitignore`.
 *
 * The same rules decide for both sides: the scanner builds an `IgnoreRules` from the ignore files
 * it meets in the local tree, and the app asks it about remote paths too, so a path ignored
 * locally is never deleted, downloaded or uploaded because of what the remote holds.
 *
 * Pattern matching is the `ignore` package; this module only layers the files the way git does:
 * for each path, the deepest file with a matching pattern decides, and a path inside an excluded
 * directory is excluded whatever deeper files say.
 */

import ignore, { type Ignore } from 'ignore';
import { META_DIR, parentOf } from '../core/paths.js';

export const LSYNCIGNORE = '.lsyncignore';
export const GITIGNORE = '.gitignore';

/** Decides whether a repository path takes part in the sync. Built by the local scan. */
export interface IgnoreRules {
  /**
   * True when `path` (repository-relative, `/`-separated) is excluded: by an ignore file, by lying
   * inside an excluded directory, inside a `.lsync/` folder, or inside a nested repository.
   * `isDir` selects whether directory-only patterns (`build/`) apply.
   *
   * Complete for paths inside the scanned scopes; an ignore file that exists only on the remote is
   * not known until it has been downloaded.
   */
  ignores(path: string, isDir: boolean): boolean;
}

/**
 * Asks `rules` about a remote path as a listing spells it: a trailing `/` marks a directory
 * marker object (`dir/`).
 */
export function ignoresRemotePath(rules: IgnoreRules, path: string): boolean {
  return path.endsWith('/') ? rules.ignores(path.slice(0, -1), true) : rules.ignores(path, false);
}

type Verdict = 'ignored' | 'unignored' | 'none';

/** The patterns of one directory (its `.gitignore` then its `.lsyncignore`, so the latter wins). */
class Level {
  private readonly matcher: Ignore;
  /** Matchers that see a given parent directory as included; see `ownVerdict`. */
  private readonly reincluding = new Map<string, Ignore>();

  constructor(private readonly patterns: readonly string[]) {
    this.matcher = newMatcher().add(patterns);
  }

  /**
   * What this level's patterns say about `rel` (relative to the level's directory) itself, given
   * that every ancestor of `rel` is included overall (the caller checks ancestors first).
   */
  ownVerdict(rel: string, isDir: boolean): Verdict {
    const key = isDir ? `${rel}/` : rel;
    const r = this.matcher.test(key);
    if (!r.ignored) return r.unignored ? 'unignored' : 'none';
    const slash = rel.lastIndexOf('/');
    if (slash < 0) return 'ignored';
    const parent = rel.slice(0, slash);
    if (!this.matcher.test(`${parent}/`).ignored) return 'ignored';
    // The `ignore` package reports a path inside a directory its patterns exclude as excluded
    // without matching the path itself. Here a deeper file re-included that directory, so git
    // would match the path on its own: ask a matcher whose extra last patterns re-include the
    // ancestors, which changes nothing about `rel` itself.
    const r2 = this.reincludingMatcher(parent).test(key);
    return r2.ignored ? 'ignored' : r2.unignored ? 'unignored' : 'none';
  }

  private reincludingMatcher(parent: string): Ignore {
    let m = this.reincluding.get(parent);
    if (m === undefined) {
      const extra: string[] = [];
      let prefix = '';
      for (const seg of parent.split('/')) {
        prefix = prefix === '' ? escapePattern(seg) : `${prefix}/${escapePattern(seg)}`;
        extra.push(`!/${prefix}/`);
      }
      m = newMatcher().add(this.patterns).add(extra);
      this.reincluding.set(parent, m);
    }
    return m;
  }
}

function newMatcher(): Ignore {
  // Case-sensitive like git on Linux (the package defaults to ignoring case). Relative-looking
  // names such as `...` are legal file names, so the package must not reject them.
  return ignore({ ignorecase: false, allowRelativePaths: true });
}

/** A literal name as a gitignore pattern: a backslash escapes any special character. */
function escapePattern(name: string): string {
  return name.replace(/[\\*?[\]!# ]/g, (c) => `\\${c}`);
}

/** Splits an ignore file into patterns (`ignore` takes one pattern per array element). */
function splitLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split(/\r?\n/);
}

/** The rules found in one tree; filled in by the scanner as it walks. */
export class IgnoreRuleSet implements IgnoreRules {
  private readonly levels = new Map<string, Level>();
  private readonly nested = new Set<string>();
  /** Directory verdicts already computed by `ignores` (remote listings repeat the same folders). */
  private readonly dirCache = new Map<string, boolean>();

  /**
   * Records the ignore files of directory `dir` ('' = root), in increasing precedence
   * (`.gitignore` text first, then `.lsyncignore`). Must happen before any path below `dir` is
   * asked about.
   */
  addIgnoreFiles(dir: string, texts: readonly string[]): void {
    const patterns = texts.flatMap(splitLines).filter((line) => line.trim() !== '');
    if (patterns.length === 0) return;
    this.levels.set(dir, new Level(patterns));
    this.dirCache.clear();
  }

  /** Excludes `dir` and everything below: it is another repository. */
  addNested(dir: string): void {
    this.nested.add(dir);
    this.dirCache.clear();
  }

  /** The directories whose ignore files are in force. */
  directories(): string[] {
    return [...this.levels.keys()];
  }

  ignores(path: string, isDir: boolean): boolean {
    if (path === '') return false;
    const parent = parentOf(path);
    if (parent !== '' && this.dirIgnored(parent)) return true;
    return this.ignoresOwn(path, isDir);
  }

  /**
   * Like `ignores`, for a path whose ancestors are already known to be included (the walker only
   * reaches a path through included directories, so it saves re-checking them).
   */
  ignoresOwn(path: string, isDir: boolean): boolean {
    const slash = path.lastIndexOf('/');
    if (path.slice(slash + 1) === META_DIR) return true;
    if (isDir && this.nested.has(path)) return true;
    if (this.levels.size === 0) return false;
    let dir = slash < 0 ? '' : path.slice(0, slash);
    for (;;) {
      const level = this.levels.get(dir);
      if (level !== undefined) {
        const verdict = level.ownVerdict(dir === '' ? path : path.slice(dir.length + 1), isDir);
        if (verdict !== 'none') return verdict === 'ignored';
      }
      if (dir === '') return false;
      dir = parentOf(dir);
    }
  }

  private dirIgnored(dir: string): boolean {
    let v = this.dirCache.get(dir);
    if (v === undefined) {
      const parent = parentOf(dir);
      v = (parent !== '' && this.dirIgnored(parent)) || this.ignoresOwn(dir, true);
      this.dirCache.set(dir, v);
    }
    return v;
  }
}
