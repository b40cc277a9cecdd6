/**
 * The file database (see database.ts for the contract): index.yaml plus journal.yaml.
 *
 * In memory: one Map, always equal to "index.yaml, then the journal replayed, then the records
 * queued since the last flush". `set`/`delete` change the Map and queue a journal line; `flush`
 * appends the queue with one write and one fdatasync (group commit); `close` folds the journal
 * into a fresh index.yaml when the journal has grown large relative to it.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { BaseEntry } from '../core/types.js';
import type { Database } from './database.js';
import { isCode, syncDirectory, writeFileAtomic } from './atomic.js';
import { normalizeEntry } from './entry-codec.js';
import { FastIndexReader, formatIndex, parseGeneral } from './index-format.js';
import { encodeDelete, encodeSet, JOURNAL_HEADER, replayJournal } from './journal-format.js';

export const INDEX_FILE = 'index.yaml';
export const JOURNAL_FILE = 'journal.yaml';
/** Index read size: large enough for few system calls, small next to a big index. */
const READ_CHUNK = 4 * 1024 * 1024;

export interface FileDatabase extends Database {
  /** Write the whole index and empty the journal (close() does this when worthwhile). */
  compact(): Promise<void>;
  /** Records in journal.yaml (written, not queued): what compaction would fold in. */
  readonly journalRecords: number;
  /**
   * Release the file handle and write nothing more: the files changed under this copy (another
   * process held the lock), so its records must not be folded over theirs. Pending records are lost.
   */
  discard(): Promise<void>;
}

export interface DatabaseOptions {
  /** close() compacts when the journal holds more than max(this, entries / 4) records. Default 1000. */
  readonly compactMinRecords?: number;
}

/** Open the database in `metaDir` (a repository's `.lsync/`). Missing files mean an empty database. */
export async function openDatabase(metaDir: string, options: DatabaseOptions = {}): Promise<FileDatabase> {
  const label = basename(metaDir);
  const entries = await readIndex(join(metaDir, INDEX_FILE), `${label}/${INDEX_FILE}`);
  const journal = await readOptional(join(metaDir, JOURNAL_FILE));
  let journalRecords = 0;
  let journalBytes = 0;
  let torn = false;
  if (journal !== undefined) {
    const replay = replayJournal(journal, `${label}/${JOURNAL_FILE}`, entries);
    journalRecords = replay.records;
    journalBytes = replay.intactBytes;
    torn = replay.intactBytes !== journal.length;
  }
  return new JournaledDatabase(metaDir, entries, journalRecords, journalBytes, torn, options.compactMinRecords ?? 1000);
}

class JournaledDatabase implements FileDatabase {
  private pending: string[] = [];
  private handle: FileHandle | undefined;
  /** Serialises flush/compact/close: each waits for the one before (whatever its outcome). */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly metaDir: string,
    private readonly map: Map<string, BaseEntry>,
    private records: number,
    /** Length of the journal's intact prefix: the next append starts there. */
    private journalBytes: number,
    /** True when bytes past journalBytes may exist (a torn record, or a failed write). */
    private mustTruncate: boolean,
    private readonly compactMinRecords: number,
  ) {}

  get entries(): ReadonlyMap<string, BaseEntry> {
    return this.map;
  }

  get journalRecords(): number {
    return this.records;
  }

  set(entry: BaseEntry): void {
    this.assertOpen();
    const stored = normalizeEntry(entry);
    this.map.set(stored.path, stored);
    this.pending.push(encodeSet(stored));
  }

  delete(path: string): void {
    this.assertOpen();
    // Absent from memory means absent after replay too: nothing to record.
    if (!this.map.delete(path)) return;
    this.pending.push(encodeDelete(path));
  }

  flush(): Promise<void> {
    return this.enqueue(() => this.writePending());
  }

  compact(): Promise<void> {
    this.assertOpen();
    return this.enqueue(async () => {
      await this.writePending();
      await this.writeIndex();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return this.queue;
    this.closed = true;
    await this.enqueue(async () => {
      try {
        await this.writePending();
        if (this.records > Math.max(this.compactMinRecords, this.map.size / 4)) await this.writeIndex();
      } finally {
        const handle = this.handle;
        this.handle = undefined;
        await handle?.close();
      }
    });
  }

  async discard(): Promise<void> {
    this.closed = true;
    this.pending = [];
    await this.enqueue(async () => {
      const handle = this.handle;
      this.handle = undefined;
      await handle?.close();
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task, task);
    // Later tasks wait for this one but must not inherit its failure (it was reported to its caller).
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    try {
      const handle = await this.journal();
      const data = Buffer.from((this.journalBytes === 0 ? JOURNAL_HEADER : '') + lines.join(''));
      // Positioned write at the intact end: a previously failed, partial write is overwritten.
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await handle.write(data, done, data.length - done, this.journalBytes + done);
        done += bytesWritten;
      }
      await handle.datasync();
      this.journalBytes += data.length;
      this.records += lines.length;
    } catch (err) {
      // Keep the records for the next flush, ahead of any queued since; the bytes past
      // journalBytes are garbage now, and the next write truncates them first.
      this.pending = lines.concat(this.pending);
      this.mustTruncate = true;
      throw err;
    }
  }

  private async journal(): Promise<FileHandle> {
    let handle = this.handle;
    if (handle === undefined) {
      await mkdir(this.metaDir, { recursive: true });
      // Not O_APPEND: writes are positioned at the intact end, so a torn tail is overwritten.
      handle = await open(join(this.metaDir, JOURNAL_FILE), constants.O_RDWR | constants.O_CREAT, 0o666);
      this.handle = handle;
      // fdatasync covers the file's data, not its name: make a just-created journal's entry durable.
      await syncDirectory(this.metaDir);
    }
    if (this.mustTruncate) {
      await handle.truncate(this.journalBytes);
      this.mustTruncate = false;
    }
    return handle;
  }

  private async writeIndex(): Promise<void> {
    await mkdir(this.metaDir, { recursive: true });
    await writeFileAtomic(join(this.metaDir, INDEX_FILE), formatIndex(this.map));
    // A crash here replays the journal over an index that already holds it: same result.
    if (this.journalBytes === 0 && !this.mustTruncate) return; // no journal to empty
    const handle = await this.journal();
    await handle.truncate(0);
    await handle.datasync();
    this.journalBytes = 0;
    this.records = 0;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('database is closed');
  }
}

/**
 * Stream the index through the fast reader, so that a large index never exists in memory as one
 * string; read it whole for js-yaml only when it is not in the writer's form.
 */
async function readIndex(path: string, file: string): Promise<Map<string, BaseEntry>> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return new Map();
    throw err;
  }
  try {
    const reader = new FastIndexReader(file);
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      const fast = bytesRead === 0 ? reader.push(decoder.end()) : reader.push(decoder.write(buffer.subarray(0, bytesRead)));
      if (!fast) break;
      if (bytesRead === 0) {
        const map = reader.end();
        if (map !== undefined) return map;
        break;
      }
    }
    return parseGeneral(await readFile(path, 'utf8'), file);
  } finally {
    await handle.close();
  }
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw err;
  }
}
