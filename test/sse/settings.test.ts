/**
 * Server-side encryption settings (remote/s3/sse.ts): what each mode adds to which request, the
 * SSE-C key read from its variable (a missing or malformed one is a one-line exit-2 error naming
 * it), the rules between the keys in config.yaml and on the command line, and that every S3
 * command lsync sends is classified (a new command cannot silently skip the encryption).
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { explain } from '../../src/cli/exit.js';
import { sseSettings } from '../../src/cli/sse-options.js';
import { LsyncError } from '../../src/core/errors.js';
import { S3Remote } from '../../src/remote/s3/s3-remote.js';
import { encryptionOf, NO_ENCRYPTION, paramsFor, REQUEST_PARAMS } from '../../src/remote/s3/sse.js';
import { wrapRemote } from '../../src/remote/wrap/index.js';
import { parseConfig } from '../../src/state/config.js';
import { repoRoot } from '../support/servers.js';

const REMOTE = 's3://bkt/team/';

describe('encryptionOf', () => {
  test('no settings: nothing added, ETags are MD5s', () => {
    const e = encryptionOf({}, {}, REMOTE);
    assert.equal(e, NO_ENCRYPTION);
    for (const command of Object.keys(REQUEST_PARAMS)) assert.deepEqual(paramsFor(e, command), {}, command);
  });

  test('SSE-S3: ServerSideEncryption on what creates objects (copies too), nothing on reads; ETags stay MD5s', () => {
    const e = encryptionOf({ sse: 'AES256' }, {}, REMOTE);
    assert.equal(e.etagIsMd5, true);
    for (const c of ['PutObjectCommand', 'CreateMultipartUploadCommand', 'CopyObjectCommand']) assert.deepEqual(paramsFor(e, c), { ServerSideEncryption: 'AES256' }, c);
    for (const c of ['GetObjectCommand', 'HeadObjectCommand', 'UploadPartCommand', 'UploadPartCopyCommand', 'DeleteObjectCommand']) assert.deepEqual(paramsFor(e, c), {}, c);
  });

  test('SSE-KMS: the key id with the mode; ETags are not MD5s', () => {
    const e = encryptionOf({ sse: 'aws:kms', kmsKeyId: 'alias/team' }, {}, REMOTE);
    assert.equal(e.etagIsMd5, false);
    assert.deepEqual(paramsFor(e, 'CopyObjectCommand'), { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/team' });
    assert.deepEqual(paramsFor(e, 'HeadObjectCommand'), {});
    assert.deepEqual(encryptionOf({ sse: 'aws:kms' }, {}, REMOTE).create, { ServerSideEncryption: 'aws:kms' });
  });

  test('SSE-C: the key from its variable on every request reading or writing the bytes, and as the copy source', () => {
    const key = randomBytes(32);
    const e = encryptionOf({ customerKeyEnv: 'TEAM_KEY' }, { TEAM_KEY: key.toString('base64') }, REMOTE);
    assert.equal(e.etagIsMd5, false);
    const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
    for (const c of ['PutObjectCommand', 'CreateMultipartUploadCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand', 'ListPartsCommand', 'GetObjectCommand', 'HeadObjectCommand']) {
      assert.deepEqual(paramsFor(e, c), customer, c);
    }
    const source = { CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: customer.SSECustomerKey, CopySourceSSECustomerKeyMD5: customer.SSECustomerKeyMD5 };
    assert.deepEqual(paramsFor(e, 'CopyObjectCommand'), { ...customer, ...source });
    assert.deepEqual(paramsFor(e, 'UploadPartCopyCommand'), { ...customer, ...source });
    assert.deepEqual(paramsFor(e, 'ListObjectsV2Command'), {});
    assert.deepEqual(paramsFor(e, 'DeleteObjectCommand'), {});
    assert.doesNotMatch(e.label, new RegExp(key.toString('base64').slice(0, 12).replace(/[+/]/g, '.')), 'the key is never shown');
  });

  test('an SSE-C variable unset, empty or not 32 bytes of base64: one line naming it and the fix, exit 2', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /TEAM_KEY \(sse_c_key_env\) is not set/],
      [{ TEAM_KEY: '  ' }, /TEAM_KEY \(sse_c_key_env\) is not set/],
      [{ TEAM_KEY: randomBytes(16).toString('base64') }, /TEAM_KEY does not hold the base64 of 32 bytes/],
      [{ TEAM_KEY: 'not base64 at all!' }, /TEAM_KEY does not hold the base64 of 32 bytes/],
    ];
    for (const [env, message] of cases) {
      let thrown: unknown;
      try {
        encryptionOf({ customerKeyEnv: 'TEAM_KEY' }, env, REMOTE);
      } catch (e) {
        thrown = e;
      }
      assert.ok(thrown instanceof LsyncError);
      const x = explain(thrown);
      assert.equal(x.code, 2);
      assert.match(x.message, message);
      assert.ok(x.message.startsWith(REMOTE), x.message);
      assert.doesNotMatch(x.message, /\n/);
      assert.match(x.hint ?? '', /export TEAM_KEY=/);
    }
  });
});

describe('config keys and flags', () => {
  const config = (origin: Record<string, unknown>): unknown => ({ version: 2, remotes: { origin: { url: 's3://bkt/team', ...origin } } });

  test('the three keys are read into the remote', () => {
    const c = parseConfig(config({ sse: 'aws:kms', sse_kms_key_id: 'arn:aws:kms:eu-west-1:111122223333:key/abc' }), 'config.yaml');
    assert.equal(c.origin.sse, 'aws:kms');
    assert.equal(c.origin.sseKmsKeyId, 'arn:aws:kms:eu-west-1:111122223333:key/abc');
    assert.equal(parseConfig(config({ sse_c_key_env: 'TEAM_KEY' }), 'config.yaml').origin.sseCKeyEnv, 'TEAM_KEY');
  });

  test('bad values and combinations name the key', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ sse: 'aes256' }, /"remotes\.origin\.sse" must be one of AES256, aws:kms/],
      [{ sse_c_key_env: 'dGhpcyBpcyBhIGtleQ==' }, /sse_c_key_env" must be the name of an environment variable/],
      [{ sse: 'AES256', sse_kms_key_id: 'k' }, /remote "origin": sse_kms_key_id needs sse aws:kms/],
      [{ sse_kms_key_id: 'k' }, /sse_kms_key_id needs sse aws:kms/],
      [{ sse: 'aws:kms', sse_c_key_env: 'K' }, /sse_c_key_env \(SSE-C\) and sse cannot both be set/],
    ];
    for (const [origin, message] of bad) assert.throws(() => parseConfig(config(origin), 'config.yaml'), message, JSON.stringify(origin));
  });

  test('the flags: validated like the keys, named as flags', () => {
    const none = { sse: undefined, 'sse-kms-key-id': undefined, 'sse-c-key-env': undefined };
    assert.equal(sseSettings(none), undefined);
    assert.deepEqual(sseSettings({ ...none, sse: 'aws:kms', 'sse-kms-key-id': 'alias/x' }), { sse: 'aws:kms', sseKmsKeyId: 'alias/x' });
    assert.deepEqual(sseSettings({ ...none, 'sse-c-key-env': 'K1' }), { sseCKeyEnv: 'K1' });
    assert.throws(() => sseSettings({ ...none, 'sse-kms-key-id': 'alias/x' }), /--sse-kms-key-id needs --sse aws:kms/);
    assert.throws(() => sseSettings({ ...none, sse: 'AES256', 'sse-c-key-env': 'K1' }), /--sse-c-key-env \(SSE-C\) and --sse cannot both be set/);
    assert.throws(() => sseSettings({ ...none, 'sse-c-key-env': 'a key' }), /--sse-c-key-env must be the name of an environment variable/);
  });
});

test('every S3 command lsync sends is in the encryption table', () => {
  const sent = new Set<string>();
  for (const dir of ['src/remote/s3', 'src/doctor']) {
    for (const file of readdirSync(join(repoRoot(), dir))) {
      if (!file.endsWith('.ts')) continue;
      for (const m of readFileSync(join(repoRoot(), dir, file), 'utf8').matchAll(/new (\w+Command)\(/g)) sent.add(m[1] as string);
    }
  }
  assert.ok(sent.has('PutObjectCommand') && sent.has('UploadPartCopyCommand'), 'the scan finds the commands');
  const missing = [...sent].filter((c) => REQUEST_PARAMS[c] === undefined);
  assert.deepEqual(missing, [], 'a command missing here would be sent without the remote\'s encryption');
});

test('"ETags are not MD5s" is a fact of the remote that every wrapper passes on', async () => {
  const open = (encryption: ConstructorParameters<typeof S3Remote>[0]['encryption']): S3Remote =>
    new S3Remote({ bucket: 'bkt', prefix: 'team/', endpoint: 'http://127.0.0.1:1', provider: 'other', credentials: { accessKeyId: 'k', secretAccessKey: 's' }, ...(encryption !== undefined ? { encryption } : {}) });
  const cases: Array<[ConstructorParameters<typeof S3Remote>[0]['encryption'], boolean]> = [
    [undefined, true],
    [{ sse: 'AES256' }, true],
    [{ sse: 'aws:kms' }, false],
  ];
  for (const [encryption, md5] of cases) {
    const remote = open(encryption);
    const wrapped = wrapRemote(remote, { bwlimit: 1024 * 1024, faults: { rules: [] }, retry: {} });
    assert.equal(wrapped.capabilities.etagIsMd5, md5, JSON.stringify(encryption));
    await remote.close();
  }
});
