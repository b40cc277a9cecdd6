/**
 * Names that cannot round-trip: paths the planner must never see, because acting on them would
 * merge two different files into one, or ask S3 for a key it cannot hold.
 *
 * - Twins: two spellings that the local file system takes for one name (`Report.txt` and
 *   `report.txt` on a case-insensitive volume; NFC `é` and NFD `e\u0301` on a normalisation-
 *   insensitive one such as APFS or HFS+). Downloading both would write one file twice; seeing the
 *   local file under one spelling and the remote object under the other would upload, then
 *   download, forever. Folder names count too: `Docs/a` and `docs/b` would share one folder.
 * - A file and a folder of the same name (`a` and `a/b`): S3 holds both, a file system cannot
 *   (unless one side changed the kind since the last sync and the other did not: kind-change.ts).
 * - Keys longer than S3's limit (1,024 bytes of UTF-8, prefix included): the upload can never
 *   succeed, so it is refused up front with a message instead of failing at every run.
 *
 * Colliding names are refused, never merged: every spelling involved (and everything below a
 * colliding folder) is left out of the plan on all three sides, and the user renames one of them.
 *
 * Pure: no `node:*` imports.
 */
import { compareKeys } from './paths.js';

/** How the local file system compares names; probed once per run (see app/fsprobe.ts). */
export interface FsBehaviour {
  /** `A` and `a` name the same file. */
  readonly caseInsensitive: boolean;
  /** NFC and NFD spellings name the same file. */
  readonly normalisationInsensitive: boolean;
}

export const CASE_AND_FORM_SENSITIVE: FsBehaviour = { caseInsensitive: false, normalisationInsensitive: false };

/** S3's limit on an object key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

export type NameProblem =
  /** Several spellings (files or folders) that are one name locally. */
  | { readonly kind: 'twins'; readonly spellings: readonly Spelling[]; readonly folder: boolean; readonly message: string }
  /** A file and a folder that are one name locally. */
  | { readonly kind: 'file-folder'; readonly file: Spelling; readonly folder: Spelling; readonly message: string }
  /** A local file whose key would exceed the limit. */
  | { readonly kind: 'too-long'; readonly path: string; readonly bytes: number; readonly message: string }
  /** A local name whose bytes are not UTF-8 (no S3 key can hold it): `path` shows them escaped, `bad\xff.txt`. */
  | { readonly kind: 'not-utf8'; readonly path: string; readonly message: string };

/** One spelling of a name, and where it was seen. */
export interface Spelling {
  readonly path: string;
  readonly side: 'local' | 'remote' | 'both';
}

export interface NameInput {
  /** Paths of the local files (repository-relative). */
  readonly local: Iterable<string>;
  /** Paths of the remote objects (repository-relative), already filtered for safety. */
  readonly remote: Iterable<string>;
  /** Paths of the local empty folders and remote folder markers (dir entries): folders, for the checks. */
  readonly localDirs?: Iterable<string>;
  readonly remoteDirs?: Iterable<string>;
  readonly fs: FsBehaviour;
  /**
   * Bytes the remote puts before each path in its key (an S3 prefix); undefined when the remote
   * has no key-length limit (a file:// directory).
   */
  readonly keyPrefixBytes?: number;
  /** Defaults to MAX_KEY_BYTES; tests pass smaller values. */
  readonly maxKeyBytes?: number;
  /**
   * A file and a folder at this exact path are one side's change of kind since the last sync
   * (kind-change.ts): not a problem, the plan carries it out. Asked only for such clashes.
   */
  readonly kindChange?: (path: string) => boolean;
}

export interface NameCheck {
  readonly problems: readonly NameProblem[];
  /** Paths left out exactly. */
  readonly paths: ReadonlySet<string>;
  /** Folders left out with everything below them. */
  readonly folders: readonly string[];
}

/** True when `path` is refused by `check` (itself, or below a refused folder). */
export function isRefused(check: NameCheck, path: string): boolean {
  if (check.paths.has(path)) return true;
  for (const f of check.folders) if (path.startsWith(`${f}/`)) return true;
  return false;
}

/** The name the file system sees when it compares: `fold(a) === fold(b)` means one file. */
export function foldName(name: string, fs: FsBehaviour): string {
  let s = name;
  if (fs.normalisationInsensitive) s = s.normalize('NFC');
  // Simple lower-casing is what case-insensitive volumes (APFS, HFS+, NTFS, exFAT) approximate;
  // the rare characters where their tables differ from Unicode's are not worth a table here.
  if (fs.caseInsensitive) s = s.toLowerCase();
  return s;
}

const utf8 = new TextEncoder();

/** Shows a name so that twins that look identical (NFC vs NFD) are told apart. */
export function showName(path: string): string {
  const shown = JSON.stringify(path);
  // Non-ASCII that differs only in composition prints the same: add the code points' form.
  if (!/[^\x20-\x7e]/.test(path)) return shown;
  const form = path === path.normalize('NFC') ? 'NFC' : path === path.normalize('NFD') ? 'NFD' : 'mixed';
  return `${shown} (${form})`;
}

function describeFs(fs: FsBehaviour): string {
  if (fs.caseInsensitive && fs.normalisationInsensitive) return 'ignores case and Unicode normalisation';
  if (fs.caseInsensitive) return 'ignores case';
  return 'ignores Unicode normalisation (NFC/NFD)';
}

function where(s: Spelling): string {
  return s.side === 'both' ? 'here and on the remote' : s.side === 'local' ? 'here' : 'on the remote';
}

/** Every folder above a path, outermost first (`a/b/c` → `a`, `a/b`). */
function foldersOf(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/');
  while (i >= 0) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}

/** Which sides have a spelling, and whether it is a file or a folder there. */
interface Flags {
  local: boolean;
  remote: boolean;
  file: boolean;
  folder: boolean;
  /** Where it is a file, and where a folder (a file and a folder of one name are told apart by side). */
  fileAt: { local: boolean; remote: boolean };
  folderAt: { local: boolean; remote: boolean };
}

interface Node {
  /** Spelling → its flags. */
  readonly spellings: Map<string, Flags>;
}

/** Every name seen, grouped by how the local file system sees it. */
interface Spellings {
  /** Where the file system tells every spelling apart: a name is its only spelling. */
  readonly flat: Map<string, Flags>;
  /** Otherwise: folded name → its spellings. */
  readonly nodes: Map<string, Node>;
}

/** Refused paths and folders, shared by the checks so a name below a refused folder is said once. */
interface Refused {
  readonly paths: Set<string>;
  readonly folders: Set<string>;
}

export function checkNames(input: NameInput): NameCheck {
  return check(input, true);
}

/** checkNames without the shortcut for literal file systems (tests compare the two). */
export function checkNamesInFull(input: NameInput): NameCheck {
  return check(input, false);
}

function check(given: NameInput, shortcut: boolean): NameCheck {
  // The iterables may be one-shot (a Map's keys()): read each once.
  const localPaths = [...given.local];
  const remotePaths = [...given.remote];
  const localDirs = [...(given.localDirs ?? [])];
  const remoteDirs = [...(given.remoteDirs ?? [])];
  const input: NameInput = { ...given, local: localPaths, remote: remotePaths, localDirs, remoteDirs };
  const problems: NameProblem[] = [];
  const refused: Refused = { paths: new Set<string>(), folders: new Set<string>() };
  const literal = !input.fs.caseInsensitive && !input.fs.normalisationInsensitive;
  // Where every spelling is its own name, only a path that is a file and a folder at once can be
  // a problem; without one (the usual case) the spellings need not be collected at all.
  if (!(shortcut && literal && !fileIsFolder([localPaths, remotePaths], [...localDirs, ...remoteDirs]))) {
    problems.push(...spellingProblems(collectSpellings(input, localPaths), input, refused));
  }
  problems.push(...tooLongProblems(input, localPaths, refused));
  const folderList = [...refused.folders].sort(compareKeys);
  return { problems, paths: refused.paths, folders: folderList };
}

/** True when some file path, on either side, is also a folder (an ancestor of a path, or a dir entry). */
function fileIsFolder(sides: readonly (readonly string[])[], dirs: readonly string[]): boolean {
  const folders = new Set<string>();
  // Every folder in the set has its ancestors in it too: the first one already there ends the climb.
  const addAncestors = (p: string): void => {
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
      const f = p.slice(0, i);
      if (folders.has(f)) return;
      folders.add(f);
    }
  };
  for (const side of sides) for (const p of side) addAncestors(p);
  for (const d of dirs) {
    addAncestors(d);
    folders.add(d);
  }
  return sides.some((side) => side.some((p) => folders.has(p)));
}

function flagsIn(spellings: Map<string, Flags>, path: string): Flags {
  let s = spellings.get(path);
  if (s === undefined) {
    s = { local: false, remote: false, file: false, folder: false, fileAt: { local: false, remote: false }, folderAt: { local: false, remote: false } };
    spellings.set(path, s);
  }
  return s;
}

function belowRefused(p: string, refused: Refused): boolean {
  for (const f of foldersOf(p)) if (refused.folders.has(f)) return true;
  return false;
}

/** Every file and every folder above one, on both sides, grouped by spelling. */
function collectSpellings(input: NameInput, localPaths: readonly string[]): Spellings {
  // A folder is identified by its full path, so `x/Docs` and `y/docs` are not compared.
  const nodes = new Map<string, Node>();
  // Where the file system tells every spelling apart (Linux, mostly), a name is its only spelling:
  // one map of flags, not a map of maps (a third of the time and far less garbage at 100,000 paths).
  const literal = !input.fs.caseInsensitive && !input.fs.normalisationInsensitive;
  const flat = new Map<string, Flags>();
  const add = (path: string, side: 'local' | 'remote', kind: 'file' | 'folder'): void => {
    let spellings = flat;
    if (!literal) {
      const key = foldName(path, input.fs);
      let node = nodes.get(key);
      if (node === undefined) {
        node = { spellings: new Map() };
        nodes.set(key, node);
      }
      spellings = node.spellings;
    }
    const s = flagsIn(spellings, path);
    s[side] = true;
    s[kind] = true;
    (kind === 'file' ? s.fileAt : s.folderAt)[side] = true;
  };
  const seenFolders = { local: new Set<string>(), remote: new Set<string>() };
  const addFolders = (folders: readonly string[], side: 'local' | 'remote'): void => {
    for (const f of folders) {
      if (seenFolders[side].has(f)) continue;
      seenFolders[side].add(f);
      add(f, side, 'folder');
    }
  };
  const addPath = (path: string, side: 'local' | 'remote'): void => {
    add(path, side, 'file');
    addFolders(foldersOf(path), side);
  };
  const addDir = (path: string, side: 'local' | 'remote'): void => addFolders([...foldersOf(path), path], side);
  for (const p of localPaths) addPath(p, 'local');
  for (const p of input.remote) addPath(p, 'remote');
  for (const p of input.localDirs ?? []) addDir(p, 'local');
  for (const p of input.remoteDirs ?? []) addDir(p, 'remote');
  return { flat, nodes };
}

function spell(path: string, s: { local: boolean; remote: boolean }): Spelling {
  return { path, side: s.local && s.remote ? 'both' : s.local ? 'local' : 'remote' };
}

/** File/folder clashes and twins (names the file system would not tell apart). */
function spellingProblems({ flat, nodes }: Spellings, input: NameInput, refused: Refused): NameProblem[] {
  const problems: NameProblem[] = [];
  // Only a name with several spellings, or one spelling that is both a file and a folder, can be a
  // problem (the others pass the checks below untouched): sort just those, in the order that puts
  // ancestors first. On a 10,000-file no-op this is a handful of names instead of 20,000.
  const suspects: string[] = [];
  for (const [key, s] of flat) if (s.file && s.folder) suspects.push(key);
  for (const [key, node] of nodes) {
    if (node.spellings.size > 1) suspects.push(key);
    else for (const s of node.spellings.values()) if (s.file && s.folder) suspects.push(key);
  }
  for (const key of suspects.sort(compareKeys)) {
    const single = flat.get(key);
    const spellings = single !== undefined ? new Map([[key, single]]) : nodes.get(key)?.spellings;
    if (spellings === undefined) continue;
    const all = [...spellings.entries()].sort(([a], [b]) => compareKeys(a, b));
    // Below a folder already refused: left out with it, and said once (ancestors sort first).
    if (all.every(([p]) => belowRefused(p, refused))) continue;
    const clash = fileFolderClash(all, input, refused);
    if (clash === 'kind-change') continue;
    const problem = clash ?? twins(all, input.fs, refused);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

/** A file and a folder of one name (same spelling or twins): neither can be written here. */
function fileFolderClash(all: readonly (readonly [string, Flags])[], input: NameInput, refused: Refused): NameProblem | 'kind-change' | undefined {
  const file = all.find(([, s]) => s.file);
  const folder = all.find(([, s]) => s.folder);
  if (file === undefined || folder === undefined) return undefined;
  // One side changed the kind since the last sync and the other did not: the plan carries it out.
  if (all.length === 1 && input.kindChange?.(file[0]) === true) return 'kind-change';
  const f = spell(file[0], file[1].fileAt);
  const d = spell(folder[0], folder[1].folderAt);
  for (const [path] of all) {
    refused.paths.add(path);
    refused.folders.add(path);
  }
  return {
    kind: 'file-folder',
    file: f,
    folder: d,
    message:
      `file ${showName(f.path)} (${where(f)}) and folder ${showName(`${d.path}/`)} (${where(d)}) cannot both exist in a local folder: ` +
      `both left out; rename one of them (the file, or the folder) and sync again`,
  };
}

/** Several spellings of one name the file system would merge: all left out, never merged. */
function twins(all: readonly (readonly [string, Flags])[], fs: FsBehaviour, refused: Refused): NameProblem | undefined {
  if (all.length <= 1) return undefined;
  const spellings = all.map(([path, s]) => spell(path, s));
  const isFolder = all.some(([, s]) => s.folder);
  const list = spellings.map((s) => `${showName(isFolder ? `${s.path}/` : s.path)} (${where(s)})`).join(' and ');
  for (const s of spellings) {
    refused.paths.add(s.path);
    if (isFolder) refused.folders.add(s.path);
  }
  return {
    kind: 'twins',
    spellings,
    folder: isFolder,
    message:
      `${list} would be the same ${isFolder ? 'folder' : 'file'} on this file system (it ${describeFs(fs)}): ` +
      `all left out, never merged; rename one of them so the names differ by more than ${fs.caseInsensitive ? 'case' : 'normalisation'}, then sync again`,
  };
}

/** Keys over S3's length limit (prefix included), for local files and folder markers. */
function tooLongProblems(input: NameInput, localPaths: readonly string[], refused: Refused): NameProblem[] {
  const prefixBytes = input.keyPrefixBytes;
  if (prefixBytes === undefined) return [];
  const problems: NameProblem[] = [];
  const max = input.maxKeyBytes ?? MAX_KEY_BYTES;
  const tooLong = (p: string, extraBytes: number): void => {
    const bytes = prefixBytes + utf8.encode(p).length + extraBytes;
    if (bytes <= max || refused.paths.has(p) || belowRefused(p, refused)) return;
    problems.push({
      kind: 'too-long',
      path: p,
      bytes,
      message: `${showName(p)}: its key would be ${bytes} bytes, over S3's limit of ${max} (prefix included): left out; use a shorter name or a shallower folder`,
    });
    refused.paths.add(p);
  };
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most paths are short enough without encoding them.
  const mayBeTooLong = (p: string, extraBytes: number): boolean => prefixBytes + p.length * 3 + extraBytes > max;
  for (const p of localPaths.filter((q) => mayBeTooLong(q, 0)).sort(compareKeys)) tooLong(p, 0);
  // A folder marker's key is its path and a slash.
  for (const p of [...(input.localDirs ?? [])].filter((q) => mayBeTooLong(q, 1)).sort(compareKeys)) tooLong(p, 1);
  return problems;
}
