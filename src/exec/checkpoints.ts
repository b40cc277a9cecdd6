/**
 * Checkpoints of resumable uploads (PutOptions.resume), kept under `.lsync/uploads/`.
 *
 * One file per path being uploaded: `.lsync/uploads/<sha1(path)>.json` holding
 * `{ path, identity, checkpoint }`, where `identity` is the local file the upload reads (size,
 * mtime, MD5) and `checkpoint` the remote implementation's opaque state (S3: upload id, part size,
 * part ETags). Written atomically (temp file, fsync, rename, fsync of the folder): a crash leaves
 * the previous checkpoint or the new one, never a torn file. One fsync per save is affordable: S3
 * saves once per finished part (at least 5 MiB sent) and coalesces saves that pile up.
 *
 * Use (the executor):
 *
 *     const checkpoints = new UploadCheckpoints(metaDir);
 *     for (const s of await checkpoints.stale()) {            // once per run, before uploading
 *       await remote.discardUpload?.({ state: s.state });      // abort what nothing will continue
 *       await checkpoints.discard(s.path);
 *     }
 *     await remote.put(path, source, { ..., resume: checkpoints.storeFor(path, { size, mtimeMs, md5 }) });
 *
 * A checkpoint is only handed back (`load()`) for the very same file: same size, mtime and MD5. A
 * touched file therefore starts its upload again: telling "touched" from "changed" would need the
 * whole file hashed, and `stale()` must stay cheap.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { UploadCheckpoint, UploadCheckpointStore } from '../remote/remote.js';
import { isCode, syncDirectory, writeFileAtomic } from '../state/atomic.js';

/** The local file an upload reads: its checkpoint is only valid for exactly this content. */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  /** Lowercase hex MD5 of the content. */
  readonly md5: string;
}

/** A checkpoint whose local file changed or is gone: its upload will never be continued. */
export interface StaleCheckpoint {
  readonly path: string;
  /** The remote's checkpoint state (for `OpenedRemote.discardUpload({ state })`). */
  readonly state: unknown;
}

interface StoredCheckpoint {
  readonly path: string;
  readonly identity: FileIdentity;
  readonly checkpoint: unknown;
}

export const UPLOADS_DIR = 'uploads';

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseStored(text: string): StoredCheckpoint | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(data) || typeof data['path'] !== 'string' || !isRecord(data['identity']) || !('checkpoint' in data)) return undefined;
  const { size, mtimeMs, md5 } = data['identity'];
  if (typeof size !== 'number' || typeof mtimeMs !== 'number' || typeof md5 !== 'string') return undefined;
  return { path: data['path'], identity: { size, mtimeMs, md5 }, checkpoint: data['checkpoint'] };
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.md5.toLowerCase() === b.md5.toLowerCase();
}

export class UploadCheckpoints {
  readonly dir: string;
  private readonly root: string;

  /**
   * `metaDir` is the repository's `.lsync/` folder; `root` the repository root that paths are
   * relative to (default: the folder containing `metaDir`).
   */
  constructor(metaDir: string, root: string = dirname(metaDir)) {
    this.dir = join(metaDir, UPLOADS_DIR);
    this.root = root;
  }

  /** The checkpoint file for a repository-relative path. */
  fileFor(path: string): string {
    return join(this.dir, `${createHash('sha1').update(path, 'utf8').digest('hex')}.json`);
  }

  /** The store to pass as `PutOptions.resume` for uploading `path` whose local file is `identity`. */
  storeFor(path: string, identity: FileIdentity): UploadCheckpointStore {
    const file = this.fileFor(path);
    return {
      load: async (): Promise<UploadCheckpoint | undefined> => {
        const stored = await this.read(file);
        // Another path with the same hash (never in practice) or other content: not this upload's.
        if (stored === undefined || stored.path !== path || !sameIdentity(stored.identity, identity)) return undefined;
        return { state: stored.checkpoint };
      },
      save: async (checkpoint: UploadCheckpoint): Promise<void> => {
        const record: StoredCheckpoint = { path, identity, checkpoint: checkpoint.state };
        await this.ensureDir();
        await writeFileAtomic(file, JSON.stringify(record) + '\n');
      },
      clear: () => this.remove(file),
    };
  }

  /**
   * Checkpoints whose local file is gone, is no longer a regular file, or has another size or mtime
   * than the one being uploaded: the caller aborts their uploads, then `discard()`s them. Unreadable
   * checkpoint files are deleted here (there is nothing in them to abort).
   */
  async stale(): Promise<StaleCheckpoint[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isCode(err, 'ENOENT')) return [];
      throw err;
    }
    const out: StaleCheckpoint[] = [];
    for (const name of names.sort()) {
      // Temporary files of writeFileAtomic (`.<name>.tmp-…`) that a crash left behind, and strays.
      if (!/^[0-9a-f]{40}\.json$/.test(name)) {
        if (name.startsWith('.')) await unlink(join(this.dir, name)).catch(() => undefined);
        continue;
      }
      const file = join(this.dir, name);
      const stored = await this.read(file);
      if (stored === undefined || this.fileFor(stored.path) !== file) {
        await this.remove(file);
        continue;
      }
      const st = await lstat(join(this.root, ...stored.path.split('/'))).catch((err: unknown) => {
        if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return undefined;
        throw err;
      });
      const current = st !== undefined && st.isFile() && st.size === stored.identity.size && st.mtimeMs === stored.identity.mtimeMs;
      if (!current) out.push({ path: stored.path, state: stored.checkpoint });
    }
    return out;
  }

  /** Forget the checkpoint of `path` (after aborting its upload); fine when there is none. */
  async discard(path: string): Promise<void> {
    await this.remove(this.fileFor(path));
  }

  private async read(file: string): Promise<StoredCheckpoint | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isCode(err, 'ENOENT')) return undefined;
      throw err;
    }
    // A damaged checkpoint only costs re-sending parts: treated as absent, never as an error.
    return parseStored(text);
  }

  private dirReady = false;

  private async ensureDir(): Promise<void> {
    if (this.dirReady) return;
    const created = await mkdir(this.dir, { recursive: true });
    // A new folder must itself be durable, or the checkpoint in it could vanish in a crash.
    if (created !== undefined) await syncDirectory(dirname(this.dir));
    this.dirReady = true;
  }

  private async remove(file: string): Promise<void> {
    try {
      await unlink(file);
    } catch (err) {
      if (!isCode(err, 'ENOENT')) throw err;
    }
  }
}
