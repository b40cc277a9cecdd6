/**
 * FileRemote: the Remote contract on a plain directory (`file:///abs/dir`), e.g. a NAS or USB disk.
 *
 * The directory stays a browsable mirror: object `path` is the file `<root>/<path>`. lsync's own
 * state lives in `<root>/.lsync/` (temp files in `tmp/`, sidecar metadata in `meta/`, see
 * sidecar.ts) and is never listed.
 *
 * - Writes: temp file in `<root>/.lsync/tmp/`, fsync, utimes + chmod, then rename into place (or
 *   link, for if-none-match, which is atomic), fsync the directory. A reader never sees a torn file.
 * - ETag: derived from `stat` (inode, size, mtime ns, ctime ns), so it changes whenever the content
 *   may have changed, including edits made by other programs, and costs no read.
 * - Markers (`dir/` paths): a directory plus a marker sidecar (kept even once files are in it, as
 *   on S3), or simply an empty directory: the mirror is browsed and edited by people, and an empty
 *   folder made there is what another tool's `dir/` key is on S3. Directories holding files are
 *   implied by them and not listed (like S3, where folders are implied by keys).
 * - Conditional writes compare ETags just before the rename; the window between the check and the
 *   rename is the documented race (if-none-match has none: it uses link()).
 * - Symlinks are neither followed nor listed.
 */
import { randomBytes } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { access, copyFile, chmod, link, lstat, mkdir, open, readdir, rename, rmdir, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { mtimeSeconds } from '../../core/mtime.js';
import { compareKeys } from '../../core/paths.js';
import {
  describeOp,
  RemoteError,
  type Capabilities,
  type CopyOptions,
  type GetOptions,
  type GetResult,
  type IfChanged,
  type IfChangedOptions,
  type ObjectMeta,
  type PutOptions,
  type PutResult,
  type PutSource,
  type Remote,
  type RemoteObject,
} from '../remote.js';
import { readIfChangedByGet } from '../small-read.js';
import { displayRemote } from '../spec.js';
import { errnoCode, isAbort, toRemoteError } from './errors.js';
import { etagOf, lstatOrUndefined, md5OfFile, mtimeMsOf, syncDir, writeTemp } from './fsio.js';
import { readSidecar, removeSidecar, sidecarName, writeSidecar } from './sidecar.js';
import { FileVersions } from './versions.js';
import { attachVersions } from '../versions.js';

const META_DIR = '.lsync';

export { etagOf } from './fsio.js';

export class FileRemote implements Remote {
  readonly display: string;
  readonly capabilities: Capabilities = { conditionalWrites: true, versioning: false, serverSideCopy: true };
  private readonly tmpDir: string;
  private readonly metaDir: string;

  constructor(readonly root: string) {
    if (!root.startsWith('/')) throw new Error(`file remote root must be absolute: ${root}`);
    this.display = displayRemote({ kind: 'file', root });
    this.tmpDir = join(root, META_DIR, 'tmp');
    this.metaDir = join(root, META_DIR, 'meta');
    // The version capability (../versions.ts): copies kept under `.lsync/versions/`.
    attachVersions(this, new FileVersions({ metaDir: this.metaDir, tmpDir: this.tmpDir, remote: this }));
  }

  /**
   * The file for a path. Refuses paths that would land outside the root or in its `.lsync/`:
   * every other byte sequence is a legal file name here.
   */
  private file(path: string, what: string): string {
    const body = path.endsWith('/') ? path.slice(0, -1) : path;
    const segments = body.split('/');
    const bad =
      body === '' || path.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..') || segments[0] === META_DIR;
    if (bad) throw new RemoteError('permanent', `${what} "${path}" in ${this.display}: not a path a directory can hold`, path);
    return join(this.root, body);
  }


  private fail(err: unknown, what: string, path?: string): unknown {
    if (isAbort(err)) return err;
    return toRemoteError(err, describeOp(what, path, this.display), path);
  }

  private changed(what: string, path: string): RemoteError {
    return new RemoteError('precondition', `${what} "${path}" in ${this.display}: the object changed since it was last seen`, path);
  }

  async check(): Promise<void> {
    let st;
    try {
      st = await lstat(this.root);
      if (st.isDirectory()) await access(this.root, constants.R_OK | constants.X_OK);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        throw new RemoteError('no-bucket', `directory ${this.root} does not exist (lsync init --create-bucket makes it)`, undefined, { cause: err });
      }
      throw this.fail(err, 'cannot use');
    }
    if (!st.isDirectory()) throw new RemoteError('permanent', `${this.root} is not a directory`);
  }

  /** For `init --create-bucket`: make the directory (and its parents). */
  async createBucket(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
    } catch (err) {
      throw this.fail(err, 'cannot create');
    }
  }

  /** Nothing to find out: a local directory always behaves the same. */
  async probeCapabilities(): Promise<Capabilities> {
    return this.capabilities;
  }

  async *list(under = '', signal?: AbortSignal): AsyncIterable<RemoteObject> {
    await this.check();
    const markers = new Set<string>();
    try {
      for (const name of await readdir(this.metaDir)) markers.add(name);
    } catch {
      // no sidecars yet
    }
    const found: RemoteObject[] = [];
    const visit = async (dir: string, rel: string): Promise<void> => {
      signal?.throwIfAborted();
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return; // vanished while walking
        throw err;
      }
      if (rel !== '' && entries.length === 0 && !markers.has(sidecarName(rel + '/'))) {
        const bare = await this.markerObject(rel + '/');
        if (bare !== undefined) found.push(bare);
        return;
      }
      for (const entry of entries) {
        const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (rel === '' && entry.name === META_DIR) continue;
        if (entry.isDirectory()) {
          if (markers.has(sidecarName(path + '/'))) {
            const marker = await this.markerObject(path + '/');
            if (marker !== undefined) found.push(marker);
          }
          await visit(join(dir, entry.name), path);
        } else if (entry.isFile()) {
          const st = await lstatOrUndefined(join(dir, entry.name));
          if (st?.isFile() === true) found.push({ path, size: Number(st.size), etag: etagOf(st), lastModifiedMs: mtimeMsOf(st) });
        }
        // symlinks, sockets, devices: not objects
      }
    };
    try {
      if (under === '') await visit(this.root, '');
      else {
        const start = this.file(under, 'list');
        const st = await lstatOrUndefined(start);
        if (st?.isFile() === true) found.push({ path: under, size: Number(st.size), etag: etagOf(st), lastModifiedMs: mtimeMsOf(st) });
        else if (st?.isDirectory() === true) {
          if (markers.has(sidecarName(under + '/'))) {
            const marker = await this.markerObject(under + '/');
            if (marker !== undefined) found.push(marker);
          }
          await visit(start, under);
        }
      }
    } catch (err) {
      throw this.fail(err, 'list', under);
    }
    found.sort((a, b) => compareKeys(a.path, b.path));
    yield* found;
  }

  /**
   * A marker object: its directory exists and either its sidecar says marker (ETag from the
   * sidecar's stat) or it is empty (ETag from the directory's stat, which changes when anything
   * is put in it).
   */
  private async markerObject(path: string): Promise<RemoteObject | undefined> {
    const file = this.file(path, 'stat');
    const dir = await lstatOrUndefined(file);
    if (dir?.isDirectory() !== true) return undefined;
    const sidecar = await readSidecar(this.metaDir, path);
    if (sidecar?.marker === true) {
      const st = await lstatOrUndefined(join(this.metaDir, sidecarName(path)));
      if (st !== undefined) return { path, size: 0, etag: etagOf(st), lastModifiedMs: mtimeMsOf(st), meta: sidecar.meta };
    }
    if ((await readdir(file).catch(() => ['?'])).length > 0) return undefined;
    return { path, size: 0, etag: etagOf(dir), lastModifiedMs: mtimeMsOf(dir), meta: {} };
  }

  async stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    signal?.throwIfAborted();
    const file = this.file(path, 'stat');
    try {
      if (path.endsWith('/')) return await this.markerObject(path);
      const st = await lstatOrUndefined(file);
      if (st?.isFile() !== true) return undefined;
      const etag = etagOf(st);
      return { path, size: Number(st.size), etag, lastModifiedMs: mtimeMsOf(st), meta: await this.metaFor(path, file, st, etag) };
    } catch (err) {
      throw this.fail(err, 'stat', path);
    }
  }

  /** The sidecar's metadata when it describes this very content; otherwise read from the file. */
  private async metaFor(path: string, file: string, st: BigIntStats, etag: string): Promise<ObjectMeta> {
    const sidecar = await readSidecar(this.metaDir, path);
    if (sidecar !== undefined && !sidecar.marker && sidecar.etag === etag && sidecar.meta.md5 !== undefined) return sidecar.meta;
    return { md5: await md5OfFile(file), mtimeMs: mtimeMsOf(st), mode: Number(st.mode) & 0o7777 };
  }

  async get(path: string, options: GetOptions = {}): Promise<GetResult> {
    options.signal?.throwIfAborted();
    if (path.endsWith('/')) {
      const marker = await this.stat(path);
      if (marker === undefined) throw new RemoteError('not-found', `get "${path}" in ${this.display}: no such object`, path);
      if (options.ifMatch !== undefined && marker.etag !== options.ifMatch) throw this.changed('get', path);
      return { body: Readable.from([]), object: marker };
    }
    const file = this.file(path, 'get');
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
      const st = await handle.stat({ bigint: true });
      if (!st.isFile()) throw new RemoteError('not-found', `get "${path}" in ${this.display}: not a file`, path);
      const etag = etagOf(st);
      if (options.ifMatch !== undefined && etag !== options.ifMatch) throw this.changed('get', path);
      // The sidecar's metadata (mode, exact mtime, link marker) when it describes this very file;
      // without it a pull could not restore the mode, nor tell a link from a file.
      const sidecar = await readSidecar(this.metaDir, path);
      const meta: ObjectMeta =
        sidecar !== undefined && !sidecar.marker && sidecar.etag === etag ? sidecar.meta : { mtimeMs: mtimeMsOf(st), mode: Number(st.mode) & 0o7777 };
      const object: RemoteObject = { path, size: Number(st.size), etag, lastModifiedMs: mtimeMsOf(st), meta };
      const start = options.start ?? 0;
      if (options.end !== undefined && options.end <= start) {
        await handle.close();
        return { body: Readable.from([]), object };
      }
      const body = handle.createReadStream({ start, ...(options.end !== undefined ? { end: options.end - 1 } : {}) });
      handle = undefined; // the stream owns it now (autoClose)
      return { body, object };
    } catch (err) {
      await handle?.close();
      if (errnoCode(err) === 'ELOOP') throw new RemoteError('not-found', `get "${path}" in ${this.display}: a symlink, not an object`, path);
      throw this.fail(err, 'get', path);
    }
  }

  /** Opening the file is the cheap part here: its ETag comes from the open handle, the read follows only if it differs. */
  getIfChanged(path: string, etag: string | undefined, options: IfChangedOptions = {}): Promise<IfChanged> {
    return readIfChangedByGet((p, o) => this.get(p, o), path, etag, describeOp('get', path, this.display), options);
  }

  async put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    const file = this.file(path, 'put');
    try {
      await this.check();
      if (path.endsWith('/')) return await this.putMarker(path, file, options);
      await mkdir(this.tmpDir, { recursive: true });
      await mkdir(this.metaDir, { recursive: true });
      const tmp = join(this.tmpDir, randomBytes(12).toString('hex'));
      try {
        const md5 = await writeTemp(tmp, source, options);
        if (options.meta.md5 !== undefined && options.meta.md5 !== md5) {
          throw new RemoteError('permanent', `put "${path}" in ${this.display}: content differs from its recorded MD5 (file changed while uploading?)`, path);
        }
        if (options.meta.mtimeMs !== undefined) await utimes(tmp, new Date(), mtimeSeconds(options.meta.mtimeMs));
        if (options.meta.mode !== undefined) await chmod(tmp, options.meta.mode & 0o7777);
        await mkdir(dirname(file), { recursive: true });
        options.signal?.throwIfAborted();
        await this.install(tmp, file, path, options.ifMatch, options.ifNoneMatch === true);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      await syncDir(dirname(file));
      return { etag: await this.recordSidecar(path, file, options.meta) };
    } catch (err) {
      throw this.fail(err, 'put', path);
    }
  }

  /** Move the finished temp file to its place, honouring the preconditions. */
  private async install(tmp: string, file: string, path: string, ifMatch: string | undefined, ifNoneMatch: boolean): Promise<void> {
    if (ifNoneMatch) {
      try {
        await link(tmp, file); // atomic create-if-absent
        return;
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') throw this.changed('put', path);
        // File systems without hard links (FAT, some SMB shares): check, then rename.
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS'].includes(errnoCode(err))) throw err;
        if ((await lstatOrUndefined(file)) !== undefined) throw this.changed('put', path);
      }
    }
    if (ifMatch !== undefined) {
      const current = await lstatOrUndefined(file);
      if (current?.isFile() !== true || etagOf(current) !== ifMatch) throw this.changed('put', path);
    }
    await rename(tmp, file);
  }

  /** Write the sidecar for the file now in place, and return the file's ETag. */
  private async recordSidecar(path: string, file: string, meta: ObjectMeta): Promise<string> {
    const st = await lstat(file, { bigint: true });
    const etag = etagOf(st);
    const full: ObjectMeta = { ...meta, ...(meta.md5 === undefined ? { md5: await md5OfFile(file) } : {}) };
    await writeSidecar(this.metaDir, { path, etag, marker: false, meta: full });
    return etag;
  }

  private async putMarker(path: string, dir: string, options: PutOptions): Promise<PutResult> {
    const current = await this.markerObject(path);
    if (options.ifNoneMatch === true && current !== undefined) throw this.changed('put', path);
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) throw this.changed('put', path);
    await mkdir(dir, { recursive: true });
    await mkdir(this.metaDir, { recursive: true });
    await writeSidecar(this.metaDir, { path, etag: '', marker: true, meta: options.meta });
    const marker = await this.markerObject(path);
    if (marker === undefined) throw new RemoteError('transient', `put "${path}" in ${this.display}: marker vanished while writing`, path);
    return { etag: marker.etag };
  }

  async copy(from: string, to: string, options: CopyOptions = {}): Promise<PutResult> {
    const source = await this.stat(from, options.signal);
    if (source === undefined) {
      if (options.ifMatch !== undefined) throw this.changed('copy', from);
      throw new RemoteError('not-found', `copy "${from}" in ${this.display}: no such object`, from);
    }
    if (options.ifMatch !== undefined && source.etag !== options.ifMatch) throw this.changed('copy', from);
    const ifNoneMatch = options.ifNoneMatch === true;
    if (from.endsWith('/')) return this.put(to, { kind: 'bytes', data: new Uint8Array() }, { meta: source.meta ?? {}, ...(ifNoneMatch ? { ifNoneMatch } : {}) });
    const fromFile = this.file(from, 'copy');
    const toFile = this.file(to, 'copy');
    try {
      await mkdir(this.tmpDir, { recursive: true });
      const tmp = join(this.tmpDir, randomBytes(12).toString('hex'));
      try {
        await copyFile(fromFile, tmp);
        // The source must not have changed under the copy; otherwise the metadata would lie.
        const after = await lstatOrUndefined(fromFile);
        if (after === undefined || etagOf(after) !== source.etag) throw this.changed('copy', from);
        const meta = source.meta ?? {};
        const tmpHandle = await open(tmp, 'r+');
        try {
          await tmpHandle.sync();
        } finally {
          await tmpHandle.close();
        }
        if (meta.mtimeMs !== undefined) await utimes(tmp, new Date(), mtimeSeconds(meta.mtimeMs));
        if (meta.mode !== undefined) await chmod(tmp, meta.mode);
        await mkdir(dirname(toFile), { recursive: true });
        // if-none-match: link(), atomic like a put's.
        await this.install(tmp, toFile, to, undefined, ifNoneMatch);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      await syncDir(dirname(toFile));
      return { etag: await this.recordSidecar(to, toFile, source.meta ?? {}) };
    } catch (err) {
      throw this.fail(err, 'copy', from);
    }
  }

  async delete(path: string, options: { readonly ifMatch?: string; readonly signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const file = this.file(path, 'delete');
    try {
      if (path.endsWith('/')) {
        const marker = await this.markerObject(path);
        if (marker === undefined) return;
        if (options.ifMatch !== undefined && marker.etag !== options.ifMatch) throw this.changed('delete', path);
        await removeSidecar(this.metaDir, path);
        await rmdir(file).catch(() => undefined); // still holds files: they keep the folder
        await this.prune(dirname(file));
        return;
      }
      const st = await lstatOrUndefined(file);
      if (st === undefined || !st.isFile()) return; // already gone (or not an object at all)
      if (options.ifMatch !== undefined && etagOf(st) !== options.ifMatch) throw this.changed('delete', path);
      await unlink(file).catch((err: unknown) => {
        if (errnoCode(err) !== 'ENOENT') throw err;
      });
      await removeSidecar(this.metaDir, path);
      await this.prune(dirname(file));
    } catch (err) {
      throw this.fail(err, 'delete', path);
    }
  }

  /**
   * Remove directories left empty by a delete, up to the root, keeping those with a marker: on S3
   * a folder disappears with its last key, and the mirror should look the same.
   */
  private async prune(dir: string): Promise<void> {
    while (dir.startsWith(this.root + '/')) {
      const rel = dir.slice(this.root.length + 1);
      if ((await readSidecar(this.metaDir, rel + '/'))?.marker === true) return;
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or busy): stop here
      }
      dir = dirname(dir);
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }
}
