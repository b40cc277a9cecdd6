/**
 * The version capability on S3 (see ../versions.ts): the service's versions where the bucket has
 * versioning (ListObjectVersions for just that key, HEAD/GET by VersionId), else the current object
 * and the copies lsync keeps under `<prefix>.lsync/versions/` (CopyObject: the bytes never leave
 * the service).
 */
import { Readable } from 'node:stream';
import { GetBucketVersioningCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { RemoteError, describeOp, type GetOptions, type GetResult, type ObjectMeta, type PruneResult, type PutResult, type RemoteObject, type RemoteVersion, type VersionRetention } from '../remote.js';
import { CURRENT_ID, copiesToDrop, KEPT_ROOT, keptFolder, keptName, keptNameOf, keptPath, keptVersion, parseKeptPath, KEPT_ID, type KeptRef } from '../versions.js';
import { sendCached } from './client.js';
import { classify, toRemoteError } from './errors.js';
import { decodeMeta, unquoteEtag } from './meta.js';

/** What the versions need of the S3Remote: its client, and the plain object calls (they take `.lsync/` paths too). */
export interface S3VersionsHost {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly versioning: boolean;
  /** A 32-hex ETag is the content's MD5 (false under SSE-KMS / SSE-C: only lsync's metadata identifies content). */
  readonly etagIsMd5: boolean;
  /** Told once when versioning recorded as on turns out to be off or suspended (S3RemoteOptions.onVersioningOff). */
  readonly onVersioningOff?: (message: string) => void;
  readonly remote: {
    readonly display: string;
    stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined>;
    get(path: string, options?: GetOptions): Promise<GetResult>;
    copy(from: string, to: string, options: { ifMatch?: string; signal?: AbortSignal }): Promise<PutResult>;
    delete(path: string, options?: { signal?: AbortSignal }): Promise<void>;
  };
}

/** How long an answer about the bucket's versioning holds (serviceKeepsVersions). */
const VERSIONING_TTL_MS = 10 * 60_000;

/** HEADs in flight at once (one per version, for its metadata). */
const HEADS = 8;

/**
 * A version with its place in time: `order` (ms) first, then `rank` for versions of one second
 * (S3's LastModified has whole seconds): the latest one first, then the listing's own order, which
 * is newest first within Versions and within DeleteMarkers.
 */
type Timed = RemoteVersion & { readonly order: number; readonly rank: number };

/**
 * A service version's place: the latest is the newest whatever the clock says (LastModified has
 * whole seconds, and a copy lsync kept while versioning was suspended carries its millisecond).
 */
function orderOf(at: number, isLatest: boolean | undefined): number {
  return isLatest === true ? Number.MAX_SAFE_INTEGER : at;
}

function newestFirst(a: Timed, b: Timed): number {
  return b.order - a.order || a.rank - b.rank;
}

export class S3Versions {
  /** Whether the bucket's versioning is on now (asked by the first write that relies on it), and when. */
  private versioningNow: { readonly answer: Promise<boolean>; readonly at: number } | undefined;
  private warned = false;
  /** This remote kept copies itself: versioning recorded as on was found off. */
  private madeCopies = false;

  constructor(private readonly s3: S3VersionsHost) {}

  /**
   * Versioning recorded as on by `init` can be suspended by the bucket's owner since; the version
   * a write then replaces would be gone for good (a suspended bucket overwrites the "null"
   * version). So before the first write of a run that relies on it, ask the bucket once. Anything
   * but "Enabled" (suspended, off, or the question refused) means lsync keeps copies itself.
   */
  private serviceKeepsVersions(signal?: AbortSignal): Promise<boolean> {
    // A watcher's remote lives for days: asked again once the answer is some minutes old.
    if (this.versioningNow === undefined || Date.now() - this.versioningNow.at > VERSIONING_TTL_MS) {
      this.versioningNow = { answer: this.askVersioning(signal), at: Date.now() };
    }
    return this.versioningNow.answer;
  }

  private async askVersioning(signal?: AbortSignal): Promise<boolean> {
    let state: string;
    try {
      const status = (await sendCached(this.s3.client, new GetBucketVersioningCommand({ Bucket: this.s3.bucket }), signal)).Status;
      if (status === 'Enabled') return true;
      state = status?.toLowerCase() ?? 'off';
    } catch (err) {
      state = `unknown (${this.fail(err, 'read the versioning of', '').message})`;
    }
    if (this.warned) return false;
    this.warned = true;
    this.s3.onVersioningOff?.(
      `versioning of bucket ${this.s3.bucket} is ${state}, though it was on when this remote was set up: ` +
        'lsync keeps a copy of each object it replaces under .lsync/versions/ instead; turn versioning back on, or run `lsync doctor` to record the change',
    );
    return false;
  }

  /** The content hash an ETag gives, where it is the content's MD5. */
  private etagHash(etag: string): string | undefined {
    return this.s3.etagIsMd5 && /^[0-9a-f]{32}$/.test(etag) ? etag : undefined;
  }

  private fail(err: unknown, op: string, path: string): RemoteError {
    return toRemoteError(err, describeOp(op, path, this.s3.remote.display), path);
  }

  async listVersions(path: string, signal?: AbortSignal): Promise<RemoteVersion[]> {
    // With versioning: the service's versions, and any copies lsync kept while versioning was
    // suspended (one listing of that file's folder of copies: usually empty).
    const found = this.s3.versioning ? [...(await this.serviceVersions(path, signal)), ...(await this.kept(path, signal))] : await this.currentAndKept(path, signal);
    return found.sort(newestFirst).map(({ order: _order, rank: _rank, ...v }) => v);
  }

  /** ListObjectVersions under the key (a key is also the prefix of longer ones: filtered to the exact key). */
  private async serviceVersions(path: string, signal?: AbortSignal): Promise<Timed[]> {
    const key = this.s3.prefix + path;
    const out: Timed[] = [];
    const heads = pLimit(HEADS);
    const pending: Array<Promise<void>> = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let seen = 0;
    do {
      let res;
      try {
        res = await sendCached(
          this.s3.client,
          new ListObjectVersionsCommand({
            Bucket: this.s3.bucket,
            Prefix: key,
            ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker !== undefined ? { VersionIdMarker: versionMarker } : {}),
          }),
          signal,
        );
      } catch (err) {
        throw this.fail(err, 'list versions of', path);
      }
      for (const v of res.Versions ?? []) {
        if (v.Key !== key || v.VersionId === undefined) continue;
        // The current object written while versioning was suspended has the version id "null":
        // read as the current object (some services refuse `versionId=null` in a request).
        const id = v.VersionId === 'null' && v.IsLatest === true ? CURRENT_ID : v.VersionId;
        const at = v.LastModified?.getTime() ?? 0;
        const size = v.Size ?? 0;
        const etag = unquoteEtag(v.ETag);
        const rank = v.IsLatest === true ? -1 : seen++;
        const order = orderOf(at, v.IsLatest);
        pending.push(
          heads(async () => {
            const meta = await this.headVersion(path, id, signal);
            const hash = meta.md5 ?? this.etagHash(etag);
            out.push({ id, size, mtimeMs: at, ...(hash !== undefined ? { hash } : {}), metadata: meta, isDelete: false, order, rank });
          }),
        );
      }
      for (const d of res.DeleteMarkers ?? []) {
        if (d.Key !== key || d.VersionId === undefined) continue;
        const at = d.LastModified?.getTime() ?? 0;
        out.push({ id: d.VersionId, size: 0, mtimeMs: at, metadata: {}, isDelete: true, order: orderOf(at, d.IsLatest), rank: d.IsLatest === true ? -1 : seen++ });
      }
      const more = res.IsTruncated === true;
      keyMarker = more ? res.NextKeyMarker : undefined;
      versionMarker = more ? res.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    await Promise.all(pending);
    return out;
  }

  private async headVersion(path: string, id: string, signal?: AbortSignal): Promise<ObjectMeta> {
    try {
      const head = await sendCached(this.s3.client, new HeadObjectCommand({ Bucket: this.s3.bucket, Key: this.s3.prefix + path, ...(id !== CURRENT_ID ? { VersionId: id } : {}) }), signal);
      return decodeMeta(head.Metadata);
    } catch (err) {
      if (classify(err) === 'not-found') return {};
      throw this.fail(err, 'stat a version of', path);
    }
  }

  /** Without service versions: the current object, then the copies kept under `.lsync/versions/<path>/`. */
  private async currentAndKept(path: string, signal?: AbortSignal): Promise<Timed[]> {
    const out: Timed[] = [];
    const current = await this.s3.remote.stat(path, signal);
    if (current !== undefined) {
      const meta = current.meta ?? {};
      const hash = meta.md5 ?? this.etagHash(current.etag);
      out.push({ id: CURRENT_ID, size: current.size, mtimeMs: current.lastModifiedMs, ...(hash !== undefined ? { hash } : {}), metadata: meta, isDelete: false, order: Number.MAX_SAFE_INTEGER, rank: 0 });
    }
    out.push(...(await this.kept(path, signal)));
    return out;
  }

  /** The copies kept under `.lsync/versions/<path>/`, each with its metadata. */
  private async kept(path: string, signal?: AbortSignal): Promise<Timed[]> {
    const out: Timed[] = [];
    const heads = pLimit(HEADS);
    const pending: Array<Promise<void>> = [];
    for await (const { ref, size } of this.keptCopies(keptFolder(path), 'list kept versions of', path, signal)) {
      if (ref.path !== path) continue;
      pending.push(
        heads(async () => {
          const meta = (await this.s3.remote.stat(keptPath(path, ref.name), signal))?.meta ?? {};
          out.push({ ...keptVersion(ref.name, size, meta, ref.replacedMs), order: ref.replacedMs, rank: 0 });
        }),
      );
    }
    await Promise.all(pending);
    return out;
  }

  async getVersion(path: string, id: string, options: GetOptions = {}): Promise<GetResult> {
    const { ifMatch: _ignored, ...rest } = options;
    const name = keptNameOf(id);
    if (name !== undefined) {
      const got = await this.s3.remote.get(keptPath(path, name), rest);
      return { body: got.body, object: { ...got.object, path } };
    }
    if (id === CURRENT_ID) return this.s3.remote.get(path, rest);
    const start = options.start ?? 0;
    const range = options.start === undefined && options.end === undefined ? undefined : `bytes=${start}-${options.end !== undefined ? options.end - 1 : ''}`;
    let res;
    try {
      res = await sendCached(
        this.s3.client,
        new GetObjectCommand({ Bucket: this.s3.bucket, Key: this.s3.prefix + path, VersionId: id, ...(range !== undefined ? { Range: range } : {}) }),
        options.signal,
      );
    } catch (err) {
      // A delete marker answers 405 (MethodNotAllowed): there is no content to read.
      throw classify(err) === 'permanent' ? new RemoteError('not-found', `${describeOp(`get version ${id} of`, path, this.s3.remote.display)}: a deletion, no content`, path) : this.fail(err, `get version ${id} of`, path);
    }
    if (!(res.Body instanceof Readable)) throw new RemoteError('permanent', `${describeOp('get', path, this.s3.remote.display)}: response has no body stream`, path);
    return {
      body: res.Body,
      object: { path, size: res.ContentLength ?? 0, etag: unquoteEtag(res.ETag), lastModifiedMs: res.LastModified?.getTime() ?? 0, versionId: id, meta: decodeMeta(res.Metadata) },
    };
  }

  async keepVersion(path: string, ifMatch: string, signal?: AbortSignal, size?: number): Promise<string | undefined> {
    if (this.s3.versioning && (await this.serviceKeepsVersions(signal))) return undefined; // the service keeps the version the write replaces
    this.madeCopies = true;
    const name = keptName(Date.now(), ifMatch);
    // With the size, a copy of a plain-MD5 object needs no HEAD first (copy-object.ts).
    await this.s3.remote.copy(path, keptPath(path, name), { ifMatch, ...(signal !== undefined ? { signal } : {}), ...(size !== undefined ? { size } : {}) });
    return KEPT_ID + name;
  }

  /** One listing of every kept copy (a request per 1,000), then a DELETE for each that goes. */
  async pruneVersions(r: VersionRetention): Promise<PruneResult> {
    if (this.s3.versioning && !this.madeCopies) return { dropped: 0, kept: 0 };
    const copies = [];
    for await (const { ref } of this.keptCopies(KEPT_ROOT, 'list kept versions in', KEPT_ROOT, r.signal)) copies.push(ref);
    const drop = await copiesToDrop(copies, r, async (path) => (await this.s3.remote.stat(path, r.signal)) !== undefined);
    const deletes = pLimit(HEADS);
    await Promise.all(drop.map((c) => deletes(() => this.s3.remote.delete(keptPath(c.path, c.name), r.signal !== undefined ? { signal: r.signal } : {}))));
    return { dropped: drop.length, kept: copies.length - drop.length };
  }

  /** The copies kept under `folder` (relative to the prefix), page by page; `op` and `what` name a failure. */
  private async *keptCopies(folder: string, op: string, what: string, signal?: AbortSignal): AsyncIterable<{ ref: KeptRef; size: number }> {
    let token: string | undefined;
    do {
      let res;
      try {
        res = await sendCached(
          this.s3.client,
          new ListObjectsV2Command({ Bucket: this.s3.bucket, Prefix: this.s3.prefix + folder, ...(token !== undefined ? { ContinuationToken: token } : {}) }),
          signal,
        );
      } catch (err) {
        throw this.fail(err, op, what);
      }
      for (const o of res.Contents ?? []) {
        const ref = o.Key !== undefined ? parseKeptPath(o.Key.slice(this.s3.prefix.length)) : undefined;
        if (ref !== undefined) yield { ref, size: o.Size ?? 0 };
      }
      token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
}
