/** The pure parts of the S3 remote: error classification, metadata, part sizes, quirks. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classify, toRemoteError } from '../../src/remote/s3/errors.js';
import { decodeMeta, encodeMeta, unquoteEtag } from '../../src/remote/s3/meta.js';
import { choosePartSize, MAX_PARTS, MiB } from '../../src/remote/s3/multipart.js';
import { detectProvider, quirksFor } from '../../src/remote/s3/quirks.js';
import { encodeCopyKey } from '../../src/remote/s3/s3-remote.js';

/** Shaped like the SDK's service exceptions (name, $metadata.httpStatusCode). */
function sdkError(name: string, status?: number, message = name): Error {
  const err = new Error(message);
  err.name = name;
  return Object.assign(err, status !== undefined ? { $metadata: { httpStatusCode: status } } : {});
}

describe('classify', () => {
  const rows: ReadonlyArray<readonly [Error, string]> = [
    [sdkError('NoSuchKey', 404), 'not-found'],
    [sdkError('NotFound', 404), 'not-found'],
    [sdkError('Unknown', 404), 'not-found'],
    [sdkError('NoSuchBucket', 404), 'no-bucket'],
    [sdkError('PreconditionFailed', 412), 'precondition'],
    [sdkError('Unknown', 412), 'precondition'],
    [sdkError('AccessDenied', 403), 'auth'],
    [sdkError('InvalidAccessKeyId', 403), 'auth'],
    [sdkError('SignatureDoesNotMatch', 403), 'auth'],
    [sdkError('CredentialsProviderError'), 'auth'],
    [sdkError('SlowDown', 503), 'transient'],
    [sdkError('InternalError', 500), 'transient'],
    [sdkError('Unknown', 502), 'transient'],
    [sdkError('Unknown', 429), 'transient'],
    [sdkError('TimeoutError'), 'transient'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient'],
    [Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'transient'],
    [Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }), 'transient'],
    [sdkError('InvalidRange', 416), 'permanent'],
    [sdkError('EntityTooLarge', 400), 'permanent'],
  ];
  for (const [err, kind] of rows) test(`${err.name} ${err.message} → ${kind}`, () => assert.equal(classify(err), kind));

  test('messages are one line and name the operation', () => {
    const e = toRemoteError(sdkError('SlowDown', 503, 'Please reduce\nyour request rate'), 'put "a b" in s3://x', 'a b');
    assert.equal(e.kind, 'transient');
    assert.equal(e.path, 'a b');
    assert.equal(e.message, 'put "a b" in s3://x: Please reduce (SlowDown, HTTP 503)');
  });
});

describe('metadata', () => {
  test('round trip; mode is octal text', () => {
    const m = encodeMeta({ md5: 'D41D8CD98F00B204E9800998ECF8427E', mtimeMs: 1_700_000_000_123.25, mode: 0o100755 });
    assert.deepEqual(m, { 'lsync-md5': 'd41d8cd98f00b204e9800998ecf8427e', 'lsync-mtime': '1700000000123.25', 'lsync-mode': '755' });
    assert.deepEqual(decodeMeta(m), { md5: 'd41d8cd98f00b204e9800998ecf8427e', mtimeMs: 1_700_000_000_123.25, mode: 0o755 });
  });
  test('malformed values written by other tools are ignored', () => {
    assert.deepEqual(decodeMeta({ 'lsync-md5': 'nope', 'lsync-mtime': '-5', 'lsync-mode': '999' }), {});
    assert.deepEqual(decodeMeta(undefined), {});
  });
  test('ETags lose their quotes', () => {
    assert.equal(unquoteEtag('"abc-3"'), 'abc-3');
    assert.equal(unquoteEtag('abc'), 'abc');
    assert.equal(unquoteEtag(undefined), '');
  });
});

describe('choosePartSize', () => {
  test('keeps the preferred size while it fits, never below 5 MiB', () => {
    assert.equal(choosePartSize(100 * MiB, 16 * MiB), 16 * MiB);
    assert.equal(choosePartSize(100 * MiB, 1 * MiB), 5 * MiB);
  });
  test('grows so there are at most 10,000 parts', () => {
    const size = 5 * 1024 * 1024 * MiB; // 5 TiB, the S3 maximum
    const part = choosePartSize(size, 16 * MiB);
    assert.ok(Math.ceil(size / part) <= MAX_PARTS);
    assert.equal(part % MiB, 0);
  });
});

describe('quirks', () => {
  test('providers by endpoint', () => {
    assert.equal(detectProvider(undefined), 'aws');
    assert.equal(detectProvider('https://s3.eu-west-1.amazonaws.com'), 'aws');
    assert.equal(detectProvider('http://minio.local:9000'), 'minio');
    assert.equal(detectProvider('http://127.0.0.1:4568'), 's3rver');
    assert.equal(detectProvider('http://localhost:5000'), 'moto');
    assert.equal(detectProvider('https://nyc3.digitaloceanspaces.com'), 'other');
    assert.equal(detectProvider('http://127.0.0.1:1234', 'moto'), 'moto');
    assert.throws(() => detectProvider(undefined, 'nonsense'), /unknown S3 provider/);
  });
  test('non-AWS endpoints: path style, checksums only when required', () => {
    for (const p of ['s3rver', 'moto', 'minio', 'other', 'r2', 'b2', 'gcs', 'garage', 'ceph', 'wasabi'] as const) {
      const q = quirksFor(p);
      assert.equal(q.forcePathStyle, true);
      assert.equal(q.requestChecksumCalculation, 'WHEN_REQUIRED');
      assert.equal(q.responseChecksumValidation, 'WHEN_REQUIRED');
    }
    assert.equal(quirksFor('aws').forcePathStyle, false);
  });
  test('copy source escaping', () => {
    const key = 'p/a b+c%d#e?f/\u{1F600}';
    assert.equal(encodeCopyKey(key, { copySourceEncoding: 'segment' }), 'p/a%20b%2Bc%25d%23e%3Ff/%F0%9F%98%80');
    assert.equal(decodeURI(encodeCopyKey(key, { copySourceEncoding: 'uri' })), key);
  });
});
