/**
 * One BaseEntry as one line of JSON: the unit shared by index.yaml and journal.yaml.
 *
 * JSON because a JSON object is also a YAML flow mapping (so the files stay YAML, readable by any
 * YAML tool) and `JSON.parse` per line is an order of magnitude faster than a YAML parser.
 * JSON.stringify escapes control characters, so a name containing a newline stays on one line.
 *
 * Field names are short because they repeat on every line of a file that may hold a million:
 *   p path · k kind · s size · h hash · m mtimeMs · mo mode · e etag · v versionId? · r racy?
 *   · o ownMarker? (dir entries: lsync put the marker there)
 *
 * `k` is "file" or "dir"; a record without `k` (written before dirs were entries) is a file.
 */
import { pathProblem } from '../core/paths.js';
import type { BaseEntry } from '../core/types.js';

const HASH = /^[0-9a-f]{32}$/;

/**
 * Characters that are legal in JSON strings but that YAML calls non-printable (DEL, C1 controls,
 * U+FFFE/U+FFFF) or that editors treat as line breaks (U+0085, U+2028, U+2029), plus the BOM.
 * They are written as \uXXXX escapes, which mean the same in both JSON and YAML.
 */
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;
const YAML_UNSAFE_ALL = new RegExp(YAML_UNSAFE.source, 'g');

function yamlSafe(json: string): string {
  if (!YAML_UNSAFE.test(json)) return json;
  return json.replace(YAML_UNSAFE_ALL, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A JSON string literal that is also a safe YAML double-quoted scalar. */
export function encodeString(value: string): string {
  return yamlSafe(JSON.stringify(value));
}

/** The stored record of an entry; the key order is the line's field order. */
interface StoredRecord {
  p: string;
  k: string;
  s: number;
  h: string;
  m: number;
  mo: number;
  e: string;
  v?: string;
  r?: boolean;
  o?: boolean;
}

export function encodeEntry(e: BaseEntry): string {
  // One JSON.stringify of a small object beats assembling the line from per-field pieces.
  const record: StoredRecord = { p: e.path, k: e.kind, s: e.size, h: e.hash, m: e.mtimeMs, mo: e.mode, e: e.etag };
  if (e.versionId !== undefined) record.v = e.versionId;
  if (e.racy !== undefined) record.r = e.racy;
  if (e.ownMarker !== undefined) record.o = e.ownMarker;
  return yamlSafe(JSON.stringify(record));
}

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const FIELDS = new Set(['p', 'k', 's', 'h', 'm', 'mo', 'e', 'v', 'r', 'o']);

/**
 * Validate a parsed record into a BaseEntry, or say what is wrong with it.
 * `extra` names one more allowed field (the journal's "op").
 */
export function decodeEntry(o: JsonObject, extra?: string): BaseEntry | string {
  for (const key in o) {
    if (!FIELDS.has(key) && key !== extra) return `unknown field "${key}"`;
  }
  const { p, s, h, m, mo, e, v, r, o: own } = o;
  // Older databases wrote no kind: every entry was a file then.
  const k = o['k'] ?? 'file';
  if (typeof p !== 'string') return 'field "p" (path) must be a string';
  const problem = pathProblem(p);
  if (problem !== undefined) return `invalid path ${JSON.stringify(p)}: ${problem}`;
  if (k !== 'file' && k !== 'link' && k !== 'dir') return `field "k" (kind) must be "file", "link" or "dir"`;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) return 'field "s" (size) must be a non-negative integer';
  if (typeof h !== 'string' || !HASH.test(h)) return 'field "h" (hash) must be 32 lowercase hex digits';
  if (typeof m !== 'number' || !Number.isFinite(m)) return 'field "m" (mtime) must be a number';
  if (typeof mo !== 'number' || !Number.isInteger(mo) || mo < 0 || mo > 0o7777) return 'field "mo" (mode) must be an integer 0..4095';
  if (typeof e !== 'string') return 'field "e" (etag) must be a string';
  if (v !== undefined && typeof v !== 'string') return 'field "v" (version id) must be a string';
  if (r !== undefined && typeof r !== 'boolean') return 'field "r" (racy) must be true or false';
  if (own !== undefined && typeof own !== 'boolean') return 'field "o" (own marker) must be true or false';
  // Optional fields are omitted rather than set to undefined (exactOptionalPropertyTypes).
  // A single-part ETag is the MD5 itself: share the string (about 50 bytes per entry at 1M).
  const entry: { -readonly [K in keyof BaseEntry]: BaseEntry[K] } = { path: p, kind: k, size: s, hash: h, mtimeMs: m, mode: mo, etag: e === h ? h : e };
  if (v !== undefined) entry.versionId = v;
  if (r !== undefined) entry.racy = r;
  if (own !== undefined) entry.ownMarker = own;
  return entry;
}

/**
 * Check an entry handed to `Database.set()`: storing one that the reader would reject would turn
 * a caller's bug into a "corrupt database" on the next run, so refuse it at once instead.
 * Returns a fresh copy holding exactly the stored fields, so memory equals what a reload gives.
 */
export function normalizeEntry(e: BaseEntry): BaseEntry {
  const checked = decodeEntry({
    p: e.path, k: e.kind, s: e.size, h: e.hash, m: e.mtimeMs, mo: e.mode, e: e.etag,
    ...(e.versionId !== undefined ? { v: e.versionId } : {}),
    ...(e.racy !== undefined ? { r: e.racy } : {}),
    ...(e.ownMarker !== undefined ? { o: e.ownMarker } : {}),
  });
  if (typeof checked === 'string') throw new TypeError(`Database.set: ${checked}`);
  return checked;
}
