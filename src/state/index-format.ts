/**
 * index.yaml: the full database, as YAML in a restricted one-entry-per-line form.
 *
 *     # lsync file database: ...
 *     version: 1
 *     entries:
 *       - {"p":"docs/a.txt","k":"file","s":12,"h":"…","m":1732100000123.5,"mo":420,"e":"…"}
 *
 * Entries are sorted with the one comparator, so the file is deterministic and diffs well.
 * The fast reader accepts exactly this form; anything else (block style, comments between
 * entries, other quoting) goes through js-yaml. Both validate every entry the same way, and a bad
 * file throws `corrupt-database` naming the line: never a partial load.
 */
import { compareKeys } from '../core/paths.js';
import type { BaseEntry } from '../core/types.js';
import { corrupt } from './corrupt.js';
import { decodeEntry, encodeEntry, isObject } from './entry-codec.js';
import { parseYamlDocument } from './yaml-fallback.js';

export const INDEX_VERSION = 1;

const HEADER =
  '# lsync file database: the state of every path as of its last sync, one entry per line.\n' +
  '# Fields: p path, k kind, s size, h md5, m mtime ms, mo mode, e etag, v version id, r racy.\n' +
  `version: ${INDEX_VERSION}\n`;

const ENTRY_PREFIX = '  - ';
/** Lines per output chunk: big enough to amortise writes, small enough to never build one huge string. */
const CHUNK_LINES = 4096;

/** The file's content as chunks to write in order. */
export function formatIndex(entries: Iterable<BaseEntry>): string[] {
  const sorted = Array.from(entries).sort((a, b) => compareKeys(a.path, b.path));
  if (sorted.length === 0) return [HEADER + 'entries: []\n'];
  const chunks = [HEADER + 'entries:\n'];
  for (let i = 0; i < sorted.length; i += CHUNK_LINES) {
    const end = Math.min(i + CHUNK_LINES, sorted.length);
    const lines = new Array<string>(end - i);
    for (let j = i; j < end; j++) lines[j - i] = ENTRY_PREFIX + encodeEntry(sorted[j] as BaseEntry);
    chunks.push(lines.join('\n') + '\n');
  }
  return chunks;
}

/** Parse and validate a whole index file. `file` is the name used in messages. */
export function parseIndex(text: string, file: string): Map<string, BaseEntry> {
  return parseFast(text, file) ?? parseGeneral(text, file);
}

/**
 * The writer's own form, one JSON.parse per line; undefined when the text is in any other form.
 * Exported for tests.
 */
export function parseFast(text: string, file: string): Map<string, BaseEntry> | undefined {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i] as string).startsWith('#')) i++;
  if (lines[i] !== `version: ${INDEX_VERSION}`) return undefined;
  i++;
  const map = new Map<string, BaseEntry>();
  if (lines[i] === 'entries: []') {
    i++;
  } else if (lines[i] === 'entries:') {
    for (i++; i < lines.length; i++) {
      const line = lines[i] as string;
      if (!line.startsWith(ENTRY_PREFIX + '{') || !line.endsWith('}')) break;
      let value: unknown;
      try {
        value = JSON.parse(line.slice(ENTRY_PREFIX.length));
      } catch {
        return undefined; // maybe YAML flow syntax that is not JSON: let js-yaml judge
      }
      if (!isObject(value)) return undefined;
      addEntry(map, value, file, i + 1);
    }
  } else {
    return undefined;
  }
  // Only the empty string after the final newline may follow.
  if (i !== lines.length - 1 || lines[i] !== '') return undefined;
  return map;
}

function parseGeneral(text: string, file: string): Map<string, BaseEntry> {
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
  if (map.has(entry.path)) throw corrupt(file, line, `duplicate path ${JSON.stringify(entry.path)}`);
  map.set(entry.path, entry);
}
