/** config.yaml: what is accepted, and a one-line error naming the option for what is not. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LsyncError } from '../../src/core/errors.js';
import { formatConfig, parseConfig, parseSize } from '../../src/state/config.js';
import * as yaml from 'js-yaml';

const MiB = 1024 * 1024;

test('sizes: 16M, 512K, 1.5M, 1G, bytes; nonsense is undefined', () => {
  assert.equal(parseSize('16M'), 16 * MiB);
  assert.equal(parseSize('512K'), 512 * 1024);
  assert.equal(parseSize('1.5M'), 1.5 * MiB);
  assert.equal(parseSize('1G'), 1024 * MiB);
  assert.equal(parseSize('8MiB'), 8 * MiB);
  assert.equal(parseSize(5242880), 5 * MiB);
  for (const bad of ['fast', '-1M', '', '16X', 0, 1.5]) assert.equal(parseSize(bad), undefined, String(bad));
});

test('a full config round-trips through its YAML form', () => {
  const cfg = parseConfig(
    { version: 1, remote: 's3://bkt/p/', endpoint: 'http://127.0.0.1:9000', conflict: 'keep-both', max_delete_share: 0.3, use_gitignore: true, part_size: '32M', multipart_threshold: '64M', part_memory: '128M' },
    'config.yaml',
  );
  assert.equal(cfg.origin.partSize, 32 * MiB);
  assert.equal(cfg.origin.multipartThreshold, 64 * MiB);
  assert.equal(cfg.origin.partMemory, 128 * MiB);
  assert.deepEqual(parseConfig(yaml.load(formatConfig(cfg)), 'config.yaml'), cfg);
});

const rejects: [Record<string, unknown>, RegExp][] = [
  [{ version: 2, remote: 's3://bkt' }, /version/],
  [{ version: 1 }, /"remote" is missing/],
  [{ version: 1, remote: 's3://bkt', colour: 'blue' }, /unknown option "colour"/],
  [{ version: 1, remote: 's3://bkt', conflict: 'newest' }, /"conflict" must be one of/],
  [{ version: 1, remote: 's3://bkt', max_delete_share: 2 }, /max_delete_share/],
  [{ version: 1, remote: 's3://bkt', part_size: '1M' }, /"part_size" must be a size from 5 MiB/],
  [{ version: 1, remote: 's3://bkt', use_gitignore: 'yes' }, /"use_gitignore" must be true or false/],
];
for (const [raw, message] of rejects) {
  test(`rejected: ${JSON.stringify(raw)}`, () => {
    assert.throws(() => parseConfig(raw, '.lsync/config.yaml'), (e: unknown) => e instanceof LsyncError && e.code === 'bad-config' && message.test(e.message) && e.message.startsWith('.lsync/config.yaml'));
  });
}
