import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../src/state/atomic.js';
import { tempMeta } from './helpers.js';

test('writeFileAtomic replaces a file whole and leaves no temporary behind', async () => {
  const t = await tempMeta();
  try {
    const path = join(t.dir, 'config.yaml');
    await writeFileAtomic(path, 'old\n');
    await writeFileAtomic(path, ['new ', Buffer.from('content'), '\n']);
    assert.equal(await readFile(path, 'utf8'), 'new content\n');
    await writeFileAtomic(path, new Uint8Array([104, 105]));
    assert.equal(await readFile(path, 'utf8'), 'hi');
    assert.deepEqual(await readdir(t.dir), ['config.yaml']);
    await assert.rejects(writeFileAtomic(join(t.dir, 'missing', 'x'), 'x'), { code: 'ENOENT' });
  } finally {
    await t.cleanup();
  }
});
