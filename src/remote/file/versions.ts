/**
 * The version capability on a file:// remote (see ../versions.ts). A directory keeps no versions of
 * its own, so lsync keeps copies under `<root>/.lsync/versions/<path>/<name>`, with the original's
 * metadata in a sidecar (sidecar.ts) named after that path. A copy, not a hard link: a link would
 * change the original's ctime, hence its ETag, and fail the very write it prepares.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { RemoteError, describeOp, type GetOptions, type GetResult, type PruneResult, type RemoteObject, type RemoteVersion, type VersionRetention } from '../remote.js';
import { CURRENT_ID, KEPT_ID, KEPT_ROOT, copiesToDrop, keptFolder, keptName, keptNameOf, keptPath, keptVersion, parseKeptPath } from '../versions.js';
import { errnoCode, toRemoteError } from './errors.js';
import { readSidecar, removeSidecar, writeSidecar } from './sidecar.js';
import type { KeptRef } from '../versions.js';

/** What the versions need of the FileRemote. */
export interface FileVersionsHost {
  /** `<root>/.lsync/meta` */
  readonly metaDir: string;
  readonly tmpDir: string;
  readonly remote: {
    readonly root: string;
    readonly display: string;
    stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined>;
    get(path: string, options?: GetOptions): Promise<GetResult>;
  };
}

export class FileVersions {
  constructor(private readonly host: FileVersionsHost) {}

  private keptFile(path: string, name: string): string {
    return join(this.host.remote.root, ...keptPath(path, name).split('/'));
  }

  private fail(err: unknown, op: string, path: string): unknown {
    if (err instanceof RemoteError) return err;
    return toRemoteError(err, describeOp(op, path, this.host.remote.display), path);
  }

  private notFound(path: string, id: string): RemoteError {
    return new RemoteError('not-found', `${describeOp('get', path, this.host.remote.display)}: no version ${id}`, path);
  }

  async listVersions(path: string, signal?: AbortSignal): Promise<RemoteVersion[]> {
    const out: Array<RemoteVersion & { order: number }> = [];
    try {
      const current = await this.host.remote.stat(path, signal);
      if (current !== undefined) {
        const meta = current.meta ?? {};
        out.push({ id: CURRENT_ID, size: current.size, mtimeMs: current.lastModifiedMs, ...(meta.md5 !== undefined ? { hash: meta.md5 } : {}), metadata: meta, isDelete: false, order: Number.MAX_SAFE_INTEGER });
      }
      const dir = join(this.host.remote.root, ...keptFolder(path).split('/').filter((s) => s !== ''));
      let names: string[] = [];
      try {
        names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw err;
      }
      for (const name of names) {
        const ref = parseKeptPath(keptPath(path, name));
        if (ref === undefined) continue;
        const st = await lstat(join(dir, name));
        const sidecar = await readSidecar(this.host.metaDir, keptPath(path, name));
        out.push({ ...keptVersion(name, st.size, sidecar?.meta ?? {}, ref.replacedMs), order: ref.replacedMs });
      }
    } catch (err) {
      throw this.fail(err, 'list versions of', path);
    }
    return out.sort((a, b) => b.order - a.order).map(({ order: _order, ...v }) => v);
  }

  async getVersion(path: string, id: string, options: GetOptions = {}): Promise<GetResult> {
    const { ifMatch: _ignored, ...rest } = options;
    if (id === CURRENT_ID) return this.host.remote.get(path, rest);
    const name = keptNameOf(id);
    if (name === undefined) throw this.notFound(path, id);
    try {
      const handle = await open(this.keptFile(path, name), constants.O_RDONLY | constants.O_NOFOLLOW);
      const st = await handle.stat();
      const sidecar = await readSidecar(this.host.metaDir, keptPath(path, name));
      const object: RemoteObject = { path, size: st.size, etag: id, lastModifiedMs: st.mtimeMs, meta: sidecar?.meta ?? {} };
      const start = options.start ?? 0;
      if (options.end !== undefined && options.end <= start) {
        await handle.close();
        return { body: Readable.from([]), object };
      }
      return { body: handle.createReadStream({ start, ...(options.end !== undefined ? { end: options.end - 1 } : {}) }), object };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw this.notFound(path, id);
      throw this.fail(err, 'get a version of', path);
    }
  }

  async keepVersion(path: string, ifMatch: string, signal?: AbortSignal): Promise<string | undefined> {
    signal?.throwIfAborted();
    const changed = (): RemoteError =>
      new RemoteError('precondition', `${describeOp('keep', path, this.host.remote.display)}: the object changed since it was last seen`, path);
    const current = await this.host.remote.stat(path, signal);
    if (current === undefined || current.etag !== ifMatch) throw changed();
    const name = keptName(Date.now(), current.etag);
    const target = this.keptFile(path, name);
    try {
      await mkdir(this.host.tmpDir, { recursive: true });
      const tmp = join(this.host.tmpDir, `kept-${randomBytes(8).toString('hex')}`);
      try {
        // A reflink where the file system has them (instant, no space), else a plain copy.
        await copyFile(join(this.host.remote.root, ...path.split('/')), tmp, constants.COPYFILE_FICLONE);
        if ((await this.host.remote.stat(path, signal))?.etag !== current.etag) throw changed();
        await mkdir(dirname(target), { recursive: true });
        await rename(tmp, target);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      await writeSidecar(this.host.metaDir, { path: keptPath(path, name), etag: '', marker: false, meta: current.meta ?? {} });
      return KEPT_ID + name;
    } catch (err) {
      throw this.fail(err, 'keep a version of', path);
    }
  }

  /** Every kept copy: the files under `.lsync/versions/`, named by when they were replaced. */
  private async keptCopies(): Promise<KeptRef[]> {
    const out: KeptRef[] = [];
    const top = join(this.host.remote.root, ...KEPT_ROOT.split('/').filter((s) => s !== ''));
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(top, ...rel.split('/').filter((s) => s !== '')), { withFileTypes: true });
      } catch (err) {
        if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
        throw err;
      }
      for (const e of entries) {
        const p = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) {
          const ref = parseKeptPath(KEPT_ROOT + p);
          if (ref !== undefined) out.push(ref);
        }
      }
    };
    await walk('');
    return out;
  }

  async pruneVersions(r: VersionRetention): Promise<PruneResult> {
    r.signal?.throwIfAborted();
    try {
      const copies = await this.keptCopies();
      const drop = await copiesToDrop(copies, r, async (path) => (await this.host.remote.stat(path, r.signal)) !== undefined);
      for (const c of drop) {
        await unlink(this.keptFile(c.path, c.name)).catch((err: unknown) => {
          if (errnoCode(err) !== 'ENOENT') throw err;
        });
        await removeSidecar(this.host.metaDir, keptPath(c.path, c.name));
        // The path's folder of copies, once empty, goes too (rmdir refuses a folder with files).
        await rmdir(dirname(this.keptFile(c.path, c.name))).catch(() => undefined);
      }
      return { dropped: drop.length, kept: copies.length - drop.length };
    } catch (err) {
      throw this.fail(err, 'prune kept versions in', KEPT_ROOT);
    }
  }
}
