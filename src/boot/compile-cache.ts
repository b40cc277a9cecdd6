/**
 * Runs the CommonJS bundle (dist/bundle/lsync.cjs) with V8's compiled code kept on disk between
 * runs: the start-up cache Node 22.1+ has built in (`module.enableCompileCache`), for Node 20.
 *
 * Why: start-up is most of a no-op run. Without a cache V8 parses and compiles the 1.3 MB bundle
 * on every run, then compiles lazily each function the command calls (bench/RESULTS.md has the
 * figures). The cache is made with `script.createCachedData()` AFTER the command ran, so it holds
 * the functions that command compiled too, not only what V8 compiles eagerly (this is why the
 * `v8-compile-cache` package, which asks for the data before running, is not used).
 *
 * Where: `$LSYNC_CACHE_DIR`, else `$XDG_CACHE_HOME/lsync`, else `~/.cache/lsync`, in `v8/`; one
 * file per bundle build and Node version (the name hashes both), written atomically (temporary
 * file + rename), so concurrent runs never read half a cache. V8 checks the source and its flags
 * itself and rejects a cache that does not fit: it is then written again. Any failure to read or
 * write the cache only costs speed: it is never reported as an error. `NODE_DISABLE_COMPILE_CACHE`
 * (Node's own switch) turns it off.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export interface CacheEnv {
  readonly LSYNC_CACHE_DIR?: string | undefined;
  readonly XDG_CACHE_HOME?: string | undefined;
  readonly NODE_DISABLE_COMPILE_CACHE?: string | undefined;
}

/** What happened to the cache in one load: for tests and `--verbose`. */
export type CacheUse = 'off' | 'none' | 'accepted' | 'rejected';

export interface LoadedBundle {
  readonly exports: unknown;
  readonly cache: CacheUse;
  /** Where the cache is (or would be) kept; undefined when caching is off. */
  readonly cacheFile: string | undefined;
  /**
   * Writes the cache when there was none or V8 rejected it. Call it once the command has run, so
   * the cache holds what the command compiled. Returns whether a cache file was written.
   */
  save(): boolean;
}

export function cacheDir(env: CacheEnv): string {
  if (env.LSYNC_CACHE_DIR !== undefined && env.LSYNC_CACHE_DIR !== '') return join(env.LSYNC_CACHE_DIR, 'v8');
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'lsync', 'v8');
}

const hash = (parts: readonly unknown[]): string => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);

/**
 * `<where the bundle is>-<which build, which Node>.v8`: one cache per installed copy of lsync; the
 * first half lets a new build's save remove the caches of the builds it replaced.
 */
function cacheName(file: string): string {
  const st = statSync(file);
  return `${hash([file])}-${hash([st.size, st.mtimeMs, process.version, process.arch])}.v8`;
}

/** Removes the caches of earlier builds of the same installed copy. */
function removeStale(cacheFile: string): void {
  const dir = dirname(cacheFile);
  const name = cacheFile.slice(dir.length + 1);
  const copy = name.slice(0, name.indexOf('-') + 1);
  for (const other of readdirSync(dir)) {
    if (other !== name && other.startsWith(copy) && other.endsWith('.v8')) rmSync(join(dir, other), { force: true });
  }
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Compiles and runs a CommonJS file as Node's loader would (the same wrapper and arguments), with
 * the cache when there is one.
 */
export function loadBundle(file: string, env: CacheEnv): LoadedBundle {
  // esbuild writes the bundle in ASCII (scripts/bundle.ts): read so, the 1.2 MB need no UTF-8
  // decoding (about a third of the read); any other file is decoded as UTF-8 as before.
  const bytes = readFileSync(file);
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const off = env.NODE_DISABLE_COMPILE_CACHE !== undefined && env.NODE_DISABLE_COMPILE_CACHE !== '';
  let cacheFile: string | undefined;
  try {
    cacheFile = off ? undefined : join(cacheDir(env), cacheName(file));
  } catch {
    cacheFile = undefined; // no home directory, say: run without a cache
  }
  const cachedData = cacheFile === undefined ? undefined : readOrUndefined(cacheFile);
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  // No import() can run in such a script (Node 20's hook for it is experimental and warns): the
  // bundle is built with none left (scripts/bundle.ts turns them into require()).
  const script = new Script(wrapped, { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
  const cache: CacheUse = cacheFile === undefined ? 'off' : cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'accepted';

  const module = { exports: {} as unknown };
  const run: unknown = script.runInThisContext();
  if (typeof run !== 'function') throw new Error(`${file} is not a CommonJS bundle`);
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));

  let saved = false;
  return {
    exports: module.exports,
    cache,
    cacheFile,
    save(): boolean {
      if (saved || cacheFile === undefined || cache === 'accepted') return false;
      saved = true;
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
        removeStale(cacheFile);
        return true;
      } catch {
        try {
          rmSync(tmp, { force: true });
        } catch {
          // a folder we cannot write to has no temporary file of ours in it
        }
        return false; // read-only home, full disk: the next run compiles again, nothing more
      }
    },
  };
}
