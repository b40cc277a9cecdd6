/**
 * Recognising a local file in a multipart object written by another tool.
 *
 * A multipart ETag is `md5(md5(part 1) ‖ … ‖ md5(part N))-N`: not an MD5 of the content, and such
 * objects carry no lsync metadata. But the part size is almost always one of a few tool defaults,
 * so the ETag can be recomputed from the local file for each plausible part size, all in one read.
 * A match identifies the content as surely as an MD5 does; no match leaves it unknown (a conflict,
 * never a guess).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const MiB = 1024 * 1024;
/** Defaults of common tools: rclone 5, aws cli and boto3 8, s3cmd 15, mc and lsync 16, and round sizes. */
const COMMON_PART_SIZES = [5, 8, 10, 15, 16, 32, 50, 64, 100, 128, 256, 512].map((n) => n * MiB);
const MULTIPART_ETAG = /^[0-9a-f]{32}-(\d+)$/;

/** The part sizes that split `size` bytes into exactly the number of parts the ETag says. */
export function candidatePartSizes(etag: string, size: number): number[] {
  const m = MULTIPART_ETAG.exec(etag);
  if (m === null) return [];
  const parts = Number(m[1]);
  return COMMON_PART_SIZES.filter((ps) => Math.max(1, Math.ceil(size / ps)) === parts);
}

class PartHasher {
  private readonly partMd5s: Buffer[] = [];
  private part: Hash = createHash('md5');
  private inPart = 0;
  constructor(readonly partSize: number) {}

  update(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(this.partSize - this.inPart, chunk.length - off);
      this.part.update(chunk.subarray(off, off + take));
      this.inPart += take;
      off += take;
      if (this.inPart === this.partSize) this.endPart();
    }
  }

  private endPart(): void {
    this.partMd5s.push(this.part.digest());
    this.part = createHash('md5');
    this.inPart = 0;
  }

  etag(): string {
    if (this.inPart > 0 || this.partMd5s.length === 0) this.endPart();
    return `${createHash('md5').update(Buffer.concat(this.partMd5s)).digest('hex')}-${this.partMd5s.length}`;
  }
}

/** True when `file` has exactly the content behind multipart `etag` (for a common part size). */
export async function matchesMultipartEtag(file: string, size: number, etag: string, signal?: AbortSignal): Promise<boolean> {
  const sizes = candidatePartSizes(etag, size);
  if (sizes.length === 0) return false;
  const hashers = sizes.map((ps) => new PartHasher(ps));
  const stream = createReadStream(file, { highWaterMark: MiB, ...(signal !== undefined ? { signal } : {}) });
  for await (const chunk of stream) for (const h of hashers) h.update(chunk as Buffer);
  return hashers.some((h) => h.etag() === etag);
}
