/**
 * What keeping a replaced version costs on the wire where lsync keeps copies (s3rver: no service
 * versioning, no conditional copies): one server-side copy per replaced object, and no HEAD of it
 * first, since the plan already knows its size and its MD5 ETag (the copy's own ETag checks that it
 * was still the version the plan saw: s3/copy-object.ts). Requests counted by a proxy on the wire.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { countingProxy, type CountingProxy } from '../support/requests.js';
import { runCli, useWorld, type World } from '../support/world.js';

describe('keeping a replaced version [s3rver]', () => {
  const world = useWorld('s3rver');
  let w: World;
  let proxy: CountingProxy;
  before(async () => {
    w = await world();
    assert.ok(w.server);
    proxy = await countingProxy(w.server.endpoint);
  });
  after(async () => {
    await proxy.close();
  });

  test('an overwrite and a delete each cost one copy of the old version, and no HEAD of it', async () => {
    const a = await w.collaborator('a');
    const env = { ...w.env, AWS_ENDPOINT_URL_S3: proxy.endpoint };
    const sync = async (): Promise<void> => {
      const r = await runCli(a.dir, ['sync'], env);
      assert.equal(r.code, 0, r.stderr);
    };
    await a.write('notes.txt', 'first\n');
    await a.write('gone.txt', 'to be deleted\n');
    await sync();
    await a.write('notes.txt', 'second, longer\n');
    await a.rm('gone.txt');
    const from = proxy.seen.length;
    await sync();
    const about = (name: string) => proxy.seen.slice(from).filter((r) => r.path.endsWith(`/${name}`) && !r.path.includes('/.lsync/'));
    for (const name of ['notes.txt', 'gone.txt']) {
      const requests = about(name).map((r) => `${r.method} ${r.headers['x-amz-copy-source'] !== undefined ? 'copy' : ''}`.trim());
      assert.equal(requests.filter((r) => r === 'HEAD').length, 0, `${name}: ${requests.join(', ')}`);
    }
    const copies = proxy.seen.slice(from).filter((r) => r.path.includes('/.lsync/versions/') && r.headers['x-amz-copy-source'] !== undefined);
    assert.equal(copies.length, 2, 'one copy kept of each');
    // Both old versions are there to restore.
    const log = await runCli(a.dir, ['log', '--json', 'notes.txt'], env);
    assert.match(log.stdout, /"where":"kept"/);
  });
});
