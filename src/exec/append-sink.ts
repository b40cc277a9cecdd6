/**
 * The writer of a partial download: batched, positional appends, fsynced at the end.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** Bytes a download gathers before writing them (one writev rather than one write per socket read). */
const WRITE_BATCH = 1024 * 1024;

/**
 * Appends to the partial in batches: chunks arriving while a write is under way go out together
 * in the next writev. Reports the file's size after each write; fsyncs at the end, so the rename
 * that follows never publishes data still only in the page cache.
 */
export class AppendSink extends Writable {
  private handle: FileHandle | undefined;
  /** The write under way, if any: destroy waits for it (see _destroy). */
  private pending: Promise<void> | undefined;

  constructor(private readonly file: string, private size: number, private readonly onWritten: (size: number) => void) {
    super({ highWaterMark: WRITE_BATCH });
  }

  override _construct(cb: (err?: Error | null) => void): void {
    // Positional writes, not O_APPEND: each byte lands at its own offset in the object whatever
    // else touched the file, so the partial stays a prefix of the object.
    open(this.file, this.size > 0 ? 'r+' : 'w').then((h) => {
      this.handle = h;
      cb();
    }, cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.track(this.append(chunks.map((c) => c.chunk))).then(() => cb(), cb);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.track(this.append([chunk])).then(() => cb(), cb);
  }

  private track(p: Promise<void>): Promise<void> {
    this.pending = p;
    return p;
  }

  private async append(chunks: Buffer[]): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) throw new Error(`${this.file}: not open`);
    let left = chunks;
    let total = left.reduce((n, c) => n + c.byteLength, 0);
    while (total > 0) {
      const { bytesWritten } = await handle.writev(left, this.size);
      this.size += bytesWritten;
      this.onWritten(this.size);
      total -= bytesWritten;
      left = skipBytes(left, bytesWritten);
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.handle === undefined) return cb();
    this.handle.sync().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // A broken body destroys the sink while a write may still be under way: let it land before
    // the handle closes and the pipeline settles, or the caller's look at the partial's size (the
    // resume point) would come too early and the write would fail on a closed handle.
    const handle = this.handle;
    const pending = this.pending ?? Promise.resolve();
    pending
      .catch(() => undefined)
      .then(async () => {
        this.handle = undefined;
        await handle?.close();
      })
      .then(() => cb(err), () => cb(err));
  }
}

/** `chunks` without their first `skip` bytes (after a short write). */
function skipBytes(chunks: readonly Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const chunk of chunks) {
    const end = at + chunk.byteLength;
    if (end > skip) out.push(at >= skip ? chunk : chunk.subarray(skip - at));
    at = end;
  }
  return out;
}
