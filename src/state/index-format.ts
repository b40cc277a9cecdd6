/**
 * index.yaml: the full database, as YAML in a restricted one-entry-per-line form.
 *
 *     # lsync file database: ...
 *     version: 1
 *     entries:
 *       - {"p":"docs/a.txt","k":"file","s":12,"h":"…","m":1732100000123.5,"mo":420,"e":"…"}
 *
 * Entries are sorted with the one comparator, so the file is deterministic and diffs well.
 * The fast reader accepts exactly this form, line by line as the file streams in; anything else
 * (block style, comments between entries, other quoting) goes through js-yaml. Both validate
 * every entry the same way, and a bad file throws `corrupt-database` naming the line: never a
 * partial load.
 */
import { sortKeys } from '../core/paths.js';
import type { BaseEntry } from '../core/types.js';
import { corrupt } from './corrupt.js';
import { decodeEntry, encodeEntry, isObject } from './entry-codec.js';
import { parseYamlDocument } from './yaml-fallback.js';

export const INDEX_VERSION = 1;

const HEADER =
  '# lsync file database: the state of every path as of its last sync, one entry per line.\n' +
  '# Fields: p path, k kind, s size, h md5, m mtime ms, mo mode, e etag, v version id, r racy, o own marker.\n' +
  `version: ${INDEX_VERSION}\n`;

const ENTRY_PREFIX = '  - ';
/** Lines per output chunk: big enough to amortise writes, small enough to never build one huge string. */
const CHUNK_LINES = 4096;

function sortedPaths(entries: ReadonlyMap<string, BaseEntry>): string[] {
  return sortKeys(Array.from(entries.keys()));
}

/**
 * The file's content as chunks, produced as the writer asks for them: holding the whole output
 * (some 200 MB at a million entries) would only make the garbage collector walk it repeatedly.
 */
export function* formatIndex(entries: ReadonlyMap<string, BaseEntry>): Generator<string, void, undefined> {
  if (entries.size === 0) {
    yield HEADER + 'entries: []\n';
    return;
  }
  const paths = sortedPaths(entries);
  yield HEADER + 'entries:\n';
  for (let i = 0; i < paths.length; i += CHUNK_LINES) {
    const end = Math.min(i + CHUNK_LINES, paths.length);
    const lines = new Array<string>(end - i);
    for (let j = i; j < end; j++) lines[j - i] = ENTRY_PREFIX + encodeEntry(entries.get(paths[j] as string) as BaseEntry);
    yield lines.join('\n') + '\n';
  }
}

/** Parse and validate a whole index file held in memory. `file` is the name used in messages. */
export function parseIndex(text: string, file: string): Map<string, BaseEntry> {
  return parseFast(text, file) ?? parseGeneral(text, file);
}

/** The writer's own form from a string; undefined when the text is in any other form. */
export function parseFast(text: string, file: string): Map<string, BaseEntry> | undefined {
  const reader = new FastIndexReader(file);
  return reader.push(text) ? reader.end() : undefined;
}

/**
 * The writer's own form, fed in pieces of any size: one JSON.parse per line, no YAML parser.
 * `push` and `end` return false/undefined as soon as the text departs from that form (the
 * caller then reads the whole file with js-yaml); they throw only for a line that is in the
 * form but holds a bad entry, which js-yaml would read the same way.
 */
export class FastIndexReader {
  private readonly map = new Map<string, BaseEntry>();
  private state: 'preamble' | 'entries-key' | 'entries' | 'empty' = 'preamble';
  private line = 0;
  private rest = '';

  constructor(private readonly file: string) {}

  push(piece: string): boolean {
    const lines = (this.rest + piece).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) if (!this.take(line)) return false;
    return true;
  }

  end(): Map<string, BaseEntry> | undefined {
    // The file ends with a newline, after the entries list.
    return this.rest === '' && (this.state === 'entries' || this.state === 'empty') ? this.map : undefined;
  }

  private take(line: string): boolean {
    this.line++;
    switch (this.state) {
      case 'preamble':
        if (line.startsWith('#')) return true;
        this.state = 'entries-key';
        return line === `version: ${INDEX_VERSION}`;
      case 'entries-key':
        this.state = line === 'entries: []' ? 'empty' : 'entries';
        return line === 'entries: []' || line === 'entries:';
      case 'entries':
        return this.entry(line);
      case 'empty':
        return false;
    }
  }

  private entry(line: string): boolean {
    if (!line.startsWith(ENTRY_PREFIX + '{') || !line.endsWith('}')) return false;
    let value: unknown;
    try {
      value = JSON.parse(line.slice(ENTRY_PREFIX.length));
    } catch {
      return false; // maybe YAML flow syntax that is not JSON: let js-yaml judge
    }
    if (!isObject(value)) return false;
    addEntry(this.map, value, this.file, this.line);
    return true;
  }
}

export function parseGeneral(text: string, file: string): Map<string, BaseEntry> {
  const { value, entryLines } = parseYamlDocument(text, file);
  if (!isObject(value)) throw corrupt(file, undefined, 'expected a mapping with "version" and "entries"');
  for (const key of Object.keys(value)) {
    if (key !== 'version' && key !== 'entries') throw corrupt(file, undefined, `unknown top-level key "${key}"`);
  }
  checkVersion(value['version'], file);
  const entries = value['entries'];
  if (entries === null || entries === undefined) return new Map();
  if (!Array.isArray(entries)) throw corrupt(file, undefined, '"entries" must be a list');
  const map = new Map<string, BaseEntry>();
  entries.forEach((item: unknown, n) => {
    const line = entryLines[n];
    if (!isObject(item)) throw corrupt(file, line, `entry ${n + 1} is not a mapping`);
    addEntry(map, item, file, line);
  });
  return map;
}

function checkVersion(version: unknown, file: string): void {
  if (version === INDEX_VERSION) return;
  if (typeof version === 'number' && Number.isInteger(version) && version > INDEX_VERSION) {
    throw corrupt(file, undefined, `written by a newer lsync (format version ${version}); upgrade lsync to read it`);
  }
  throw corrupt(file, undefined, `"version" must be ${INDEX_VERSION}`);
}

function addEntry(map: Map<string, BaseEntry>, record: Readonly<Record<string, unknown>>, file: string, line: number | undefined): void {
  const entry = decodeEntry(record);
  if (typeof entry === 'string') throw corrupt(file, line, entry);
  const before = map.size;
  map.set(entry.path, entry); // one hash lookup instead of has() + set()
  if (map.size === before) throw corrupt(file, line, `duplicate path ${JSON.stringify(entry.path)}`);
}
