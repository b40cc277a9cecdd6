/**
 * The conditional read of a small object (Remote `getIfChanged`): a GET with If-None-Match, which
 * the service answers 304 without a body when the object still has that ETag. Services that
 * ignore the condition answer 200: the ETag is compared here too and the body dropped unread.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { RemoteError, type IfChanged, type IfChangedOptions, type RemoteObject } from '../remote.js';
import { readLimited, SMALL_READ_LIMIT, tooBig } from '../small-read.js';
import { sendCached } from './client.js';
import { classify, isNotModified } from './errors.js';
import { decodeMeta, quoteEtag, unquoteEtag } from './meta.js';

export interface SmallRead {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly path: string;
  /** `get "path" in s3://…`, for messages. */
  readonly what: string;
  /** The error to throw for a failed request (the remote's own mapping). */
  readonly fail: (err: unknown) => unknown;
}

/** The object a GET answered, as the Remote contract names it. */
export function objectOfGet(path: string, res: Pick<GetObjectCommandOutput, 'ETag' | 'ContentLength' | 'ContentRange' | 'LastModified' | 'VersionId' | 'Metadata'>): RemoteObject {
  const total = /\/(\d+)$/.exec(res.ContentRange ?? '')?.[1];
  return {
    path,
    size: total !== undefined ? Number(total) : (res.ContentLength ?? 0),
    etag: unquoteEtag(res.ETag),
    lastModifiedMs: res.LastModified?.getTime() ?? 0,
    ...(res.VersionId !== undefined && res.VersionId !== 'null' ? { versionId: res.VersionId } : {}),
    meta: decodeMeta(res.Metadata),
  };
}

export async function readIfChanged(r: SmallRead, etag: string | undefined, options: IfChangedOptions = {}): Promise<IfChanged> {
  const maxBytes = options.maxBytes ?? SMALL_READ_LIMIT;
  let res: GetObjectCommandOutput;
  try {
    res = await sendCached(
      r.client,
      new GetObjectCommand({ Bucket: r.bucket, Key: r.key, ...(etag !== undefined ? { IfNoneMatch: quoteEtag(etag) } : {}) }),
      options.signal,
    );
  } catch (err) {
    if (isNotModified(err)) return { state: 'unchanged' };
    if (classify(err) === 'not-found') return { state: 'missing' };
    throw r.fail(err);
  }
  const body = res.Body;
  if (!(body instanceof Readable)) throw new RemoteError('permanent', `${r.what}: response has no body stream`, r.path);
  const object = objectOfGet(r.path, res);
  if (etag !== undefined && object.etag === etag) {
    body.destroy();
    return { state: 'unchanged' };
  }
  if (object.size > maxBytes) {
    body.destroy();
    throw tooBig(r.what, r.path, object.size, maxBytes);
  }
  return { state: 'changed', object, data: await readLimited(body, maxBytes, () => tooBig(r.what, r.path, undefined, maxBytes)) };
}

