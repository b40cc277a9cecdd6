/** Deterministic data sets: AES-128-CTR keystream keyed by a seed string (fast, the same bytes every run). */
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MiB } from './util.js';

export function seededBytes(seed: string, length: number): Buffer {
  const digest = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', digest.subarray(0, 16), digest.subarray(16, 32));
  return cipher.update(Buffer.alloc(length));
}

export function smallPath(i: number): string {
  // 10 × 10 = 100 leaf folders; fixed-width names so every server lists them in byte order.
  const folder = i % 100;
  return `g${Math.floor(folder / 10)}/d${folder % 10}/f${String(i).padStart(5, '0')}.dat`;
}

export async function writeSmallDataset(dir: string, count: number, size: number): Promise<void> {
  for (let f = 0; f < 100; f++) await mkdir(join(dir, `g${Math.floor(f / 10)}`, `d${f % 10}`), { recursive: true });
  const batch = 256;
  for (let start = 0; start < count; start += batch) {
    const jobs: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      jobs.push(writeFile(join(dir, smallPath(i)), seededBytes(`small-${i}`, size)));
    }
    await Promise.all(jobs);
  }
}

export async function writeBigFile(file: string, size: number): Promise<void> {
  const digest = createHash('sha256').update('big').digest();
  const cipher = createCipheriv('aes-128-ctr', digest.subarray(0, 16), digest.subarray(16, 32));
  const chunk = Buffer.alloc(8 * MiB);
  const out = createWriteStream(file);
  for (let written = 0; written < size; written += chunk.length) {
    const piece = cipher.update(chunk.subarray(0, Math.min(chunk.length, size - written)));
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** The files rewritten by the "modify" case: one per folder, spread over the tree. */
export function modifiedIndexes(count: number): number[] {
  const out: number[] = [];
  for (let i = 7; i < count && out.length < 100; i += Math.max(1, Math.floor(count / 100))) out.push(i);
  return out;
}

export async function md5File(file: string): Promise<string> {
  const h = createHash('md5');
  await pipeline(createReadStream(file, { highWaterMark: 4 * MiB }), h);
  return h.digest('hex');
}

export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = relative(dir, join(e.parentPath, e.name));
    if (rel.startsWith('.lsync/') || rel.includes('/.lsync/')) continue;
    out.push(rel);
  }
  return out;
}
