/**
 * The bookkeeping of a resumable multipart upload (multipart.ts): the parts, the checkpoint kept
 * between runs (plain JSON, validated when read back), and its serialised, coalesced saves.
 */
import type { UploadCheckpointStore } from '../remote.js';

export interface PartRecord {
  /** 1-based. Part n covers bytes [(n-1) × partSize, min(n × partSize, size)). */
  readonly partNumber: number;
  readonly size: number;
  /** ETag as the server returned it, without quotes. */
  readonly etag: string;
}

/**
 * What a checkpoint's `state` holds (plain JSON). `metadata` is what CreateMultipartUpload was
 * given: the object gets it at completion, so a checkpoint created with other metadata (another
 * mtime or mode) is not continued either.
 */
export interface CheckpointState {
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly size: number;
  readonly partSize: number;
  readonly md5: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Sorted by part number. */
  readonly parts: readonly PartRecord[];
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** `state` as a CheckpointState, or undefined when it is not one (corrupt, or another version). */
export function parseCheckpoint(state: unknown): CheckpointState | undefined {
  if (!isRecord(state) || state['v'] !== 1) return undefined;
  const { bucket, key, uploadId, size, partSize, md5, metadata, parts } = state;
  if (typeof bucket !== 'string' || typeof key !== 'string' || typeof uploadId !== 'string' || uploadId === '') return undefined;
  if (!isCount(size) || !isCount(partSize) || partSize === 0 || typeof md5 !== 'string') return undefined;
  if (!isRecord(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) return undefined;
  if (!Array.isArray(parts)) return undefined;
  const records: PartRecord[] = [];
  for (const part of parts as unknown[]) {
    if (!isRecord(part)) return undefined;
    const { partNumber, size: partBytes, etag } = part;
    if (!isCount(partNumber) || !isCount(partBytes) || typeof etag !== 'string') return undefined;
    records.push({ partNumber, size: partBytes, etag });
  }
  return { v: 1, bucket, key, uploadId, size, partSize, md5, metadata: metadata as Record<string, string>, parts: records };
}

export function sameMetadata(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/** Bytes in part `n` (1-based) of an upload of `size` bytes in parts of `partSize`. */
export function partLength(n: number, size: number, partSize: number): number {
  return Math.min(partSize, size - (n - 1) * partSize);
}

export function partCountOf(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/** The parts in `candidates` that can be part of this upload: right number range and size; one per number. */
export function usableParts(candidates: Iterable<PartRecord>, size: number, partSize: number): PartRecord[] {
  const count = partCountOf(size, partSize);
  const byNumber = new Map<number, PartRecord>();
  for (const part of candidates) {
    if (part.partNumber < 1 || part.partNumber > count || part.etag === '') continue;
    if (part.size !== partLength(part.partNumber, size, partSize)) continue;
    byNumber.set(part.partNumber, part);
  }
  return [...byNumber.values()].sort((a, b) => a.partNumber - b.partNumber);
}

/**
 * Checkpoint saves, serialised and coalesced: `update()` never waits, at most one `save()` runs,
 * and when it ends only the newest state is saved next (fsync per save is then at most one per
 * part, and fewer when parts finish faster than the disk syncs).
 */
export class CheckpointWriter {
  /** The last save failed: the stored checkpoint may not describe this upload. */
  failed = false;
  private pending: CheckpointState | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly store: UploadCheckpointStore) {}

  update(state: CheckpointState): void {
    this.pending = state;
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    for (let next = this.pending; next !== undefined; next = this.pending) {
      this.pending = undefined;
      try {
        await this.store.save({ state: next });
        this.failed = false;
      } catch {
        // A checkpoint is an optimisation: the upload goes on. `failed` makes a failing put abort
        // its upload instead of leaving one behind that no checkpoint describes.
        this.failed = true;
      }
    }
    this.running = undefined;
  }

  /** Resolves once every state given so far is saved (or failed). */
  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }
}
