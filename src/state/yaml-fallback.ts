/**
 * The slow, general reader for index.yaml: any YAML a person may have written by hand.
 *
 * js-yaml gives the values but not where they were; the event stream gives offsets, so this walks
 * it once to find the line of each item of the top-level `entries` sequence, for error messages.
 */
import { constructFromEvents, EVENT_ID, getScalarValue, parseEvents, YAMLException, type Event } from 'js-yaml';
import { corrupt } from './corrupt.js';

export interface YamlDocument {
  readonly value: unknown;
  /** 1-based line of each `entries` item, in order; undefined where unknown (an alias). */
  readonly entryLines: readonly (number | undefined)[];
}

export function parseYamlDocument(text: string, file: string): YamlDocument {
  let events: Event[];
  let docs: unknown[];
  try {
    events = parseEvents(text, { filename: file });
    docs = constructFromEvents(events, { source: text, filename: file, maxAliases: 0 });
  } catch (err) {
    if (err instanceof YAMLException) {
      const line = err.mark === undefined ? undefined : err.mark.line + 1;
      throw corrupt(file, line, `not valid YAML: ${err.reason}`);
    }
    throw corrupt(file, undefined, `not valid YAML: ${String(err)}`);
  }
  if (docs.length !== 1) throw corrupt(file, undefined, docs.length === 0 ? 'the file is empty' : 'more than one YAML document');
  const toLine = lineLocator(text);
  return { value: docs[0], entryLines: entryOffsets(events, text).map((o) => (o < 0 ? undefined : toLine(o))) };
}

/** Start offsets of the items of the root mapping's `entries` sequence. */
function entryOffsets(events: readonly Event[], text: string): number[] {
  const offsets: number[] = [];
  // depth 1 = inside the document, 2 = inside the root mapping, 3 = inside `entries`.
  let depth = 0;
  let isKey = true; // at depth 2, alternates between key and value
  let inEntries = false;
  let nextIsEntries = false;
  for (const ev of events) {
    if (ev.type === EVENT_ID.POP) {
      depth--;
      if (depth === 2) {
        inEntries = false;
        isKey = true;
      }
      continue;
    }
    if (depth === 3 && inEntries) offsets.push(startOf(ev));
    if (depth === 2) {
      if (isKey) nextIsEntries = ev.type === EVENT_ID.SCALAR && getScalarValue(text, ev) === 'entries';
      else if (nextIsEntries && ev.type === EVENT_ID.SEQUENCE) inEntries = true;
      // A value that is a scalar or alias ends at once; a collection ends at its POP.
      if (!isKey && (ev.type === EVENT_ID.SCALAR || ev.type === EVENT_ID.ALIAS)) isKey = true;
      else if (isKey) isKey = false;
    }
    if (ev.type === EVENT_ID.DOCUMENT || ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) depth++;
  }
  return offsets;
}

function startOf(ev: Event): number {
  switch (ev.type) {
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return ev.start;
    case EVENT_ID.SCALAR:
      return ev.valueStart;
    default:
      return -1;
  }
}

/** offset → 1-based line number, by binary search over the newline positions. */
export function lineLocator(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
