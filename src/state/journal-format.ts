/**
 * journal.yaml: set/delete records appended since the last compaction, one per line:
 *
 *     # lsync journal: ...
 *     - {"op":"set","p":"a.txt","k":"file","s":1,...}
 *     - {"op":"del","p":"b.txt"}
 *
 * A block sequence of JSON flow mappings, so the file is valid YAML at every complete line.
 * Records are "path := value" and "path := nothing", so replaying one twice (a crash between
 * writing index.yaml and truncating the journal) changes nothing.
 */
import type { BaseEntry } from '../core/types.js';
import { corrupt } from './corrupt.js';
import { decodeEntry, encodeEntry, encodeString, isObject } from './entry-codec.js';

export const JOURNAL_HEADER =
  '# lsync journal: changes since index.yaml was last written, replayed on open; do not edit\n';

export function encodeSet(entry: BaseEntry): string {
  return '- {"op":"set",' + encodeEntry(entry).slice(1) + '\n';
}

export function encodeDelete(path: string): string {
  return '- {"op":"del","p":' + encodeString(path) + '}\n';
}

export interface ReplayResult {
  /** Records applied. */
  readonly records: number;
  /**
   * Byte length of the intact prefix. Less than the file size when a crash tore the last
   * record; the writer truncates to it before appending.
   */
  readonly intactBytes: number;
}

/** Apply the journal in `data` to `map`. `file` is the name used in messages. */
export function replayJournal(data: Buffer, file: string, map: Map<string, BaseEntry>): ReplayResult {
  // Everything after the last newline is a record whose write was cut short.
  const end = data.lastIndexOf(0x0a) + 1;
  const text = data.toString('utf8', 0, end);
  const lines = text.split('\n');
  lines.pop(); // the empty string after the final newline
  let records = 0;
  let intactChars = text.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '' || line.startsWith('#')) continue;
    const isLast = i === lines.length - 1;
    let value: unknown;
    try {
      if (!line.startsWith('- {')) throw new SyntaxError('not a journal record');
      value = JSON.parse(line.slice(2));
    } catch {
      // A torn write can leave garbage (even zeros) ending in a newline: only ever the last line.
      if (isLast) {
        intactChars = text.length - line.length - 1;
        break;
      }
      throw corrupt(file, i + 1, 'not a journal record');
    }
    applyRecord(value, map, file, i + 1);
    records++;
  }
  const intactBytes = intactChars === text.length ? end : Buffer.byteLength(text.slice(0, intactChars));
  return { records, intactBytes };
}

function applyRecord(value: unknown, map: Map<string, BaseEntry>, file: string, line: number): void {
  if (!isObject(value)) throw corrupt(file, line, 'not a journal record');
  const op = value['op'];
  if (op === 'set') {
    const entry = decodeEntry(value, 'op');
    if (typeof entry === 'string') throw corrupt(file, line, entry);
    map.set(entry.path, entry);
  } else if (op === 'del') {
    const p = value['p'];
    if (typeof p !== 'string' || Object.keys(value).length !== 2) throw corrupt(file, line, 'a "del" record has exactly "op" and "p" (a string)');
    map.delete(p);
  } else {
    throw corrupt(file, line, 'field "op" must be "set" or "del"');
  }
}
