/**
 * fetchObject (src/exec/download.ts) on objects large enough to be hashed by the worker thread
 * (file-hasher.ts), against a real file:// remote with faults injected at the Remote interface:
 * the MD5 must cover exactly the bytes on disk whatever happened on the way.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fetchObject, partialName, Partials, WORKER_HASH_MIN } from '../../src/exec/download.js';
import { RemoteError, type GetOptions, type GetResult, type Remote } from '../../src/remote/remote.js';
import { ForwardingRemote, PASS_THROUGH } from '../../src/remote/wrap/forward.js';
import { withFaults } from '../../src/remote/wrap/index.js';
import { fileRemote, md5, MiB, tempDir } from '../remote-wrap/helpers.js';

const SIZE = WORKER_HASH_MIN + 3 * MiB + 17;

/**
 * A remote whose objects' metadata records another MD5 than their content's (as an object
 * rewritten by a tool that kept stale metadata would): faked at lsync's Remote interface.
 */
class StaleMd5Remote extends ForwardingRemote {
  constructor(inner: Remote, private readonly recorded: string) {
    super(inner, PASS_THROUGH);
  }

  override async get(path: string, options?: GetOptions): Promise<GetResult> {
    const got = await super.get(path, options);
    return { ...got, object: { ...got.object, meta: { ...got.object.meta, md5: this.recorded } } };
  }
}

/** `recorded`: the MD5 the object's metadata claims (default: the right one). */
async function setup(data: Buffer, recorded?: string): Promise<{ remote: Remote; etag: string; tmpDir: string }> {
  const files = await fileRemote();
  await files.put('big.bin', { kind: 'bytes', data }, { meta: { md5: md5(data) } });
  const remote = recorded === undefined ? files : new StaleMd5Remote(files, recorded);
  const object = await remote.stat('big.bin');
  assert.ok(object !== undefined);
  const tmpDir = join(await tempDir(), 'tmp');
  await mkdir(tmpDir, { recursive: true });
  return { remote, etag: object.etag, tmpDir };
}

/** `hash`: the MD5 the listing knew (the executor passes the snapshot's); the GET's metadata, when it has one, wins. */
async function fetch(remote: Remote, etag: string, tmpDir: string, hash: string): Promise<{ received: number; hash: string; content: Buffer }> {
  const partials = await Partials.open(tmpDir, Date.now());
  const got = await fetchObject('big.bin', { etag, size: SIZE, hash }, { remote, partials, emit: () => undefined });
  return { received: got.received, hash: got.hash, content: await readFile(got.tmp) };
}

describe('large downloads (MD5 in a worker thread)', () => {
  test('a fresh download: the content and its MD5', async () => {
    const data = randomBytes(SIZE);
    const { remote, etag, tmpDir } = await setup(data);
    const got = await fetch(remote, etag, tmpDir, md5(data));
    assert.equal(got.hash, md5(data));
    assert.ok(got.content.equals(data));
    assert.equal(got.received, SIZE);
  });

  test('resumed from a partial: only the rest comes over the wire, the MD5 covers the whole', async () => {
    const data = randomBytes(SIZE);
    const { remote, etag, tmpDir } = await setup(data);
    const kept = 20 * MiB + 5;
    await writeFile(join(tmpDir, partialName('big.bin', etag)), data.subarray(0, kept));
    const got = await fetch(remote, etag, tmpDir, md5(data));
    assert.equal(got.received, SIZE - kept);
    assert.equal(got.hash, md5(data));
    assert.ok(got.content.equals(data));
  });

  test('bodies that break off mid-way are resumed at once; the MD5 is still that of the bytes on disk', async () => {
    const data = randomBytes(SIZE);
    const { remote: base, etag, tmpDir } = await setup(data);
    const remote = withFaults(base, {
      rules: [
        { op: 'get', calls: [1], fault: { type: 'break-body', afterBytes: 7 * MiB + 3 } },
        { op: 'get', calls: [2], fault: { type: 'break-body', afterBytes: 11 * MiB } },
      ],
    });
    const got = await fetch(remote, etag, tmpDir, md5(data));
    assert.equal(remote.injected.length, 2);
    assert.equal(got.hash, md5(data));
    assert.ok(got.content.equals(data));
  });

  test('a partial holding garbage: the mismatch is found, and the download starts over once', async () => {
    const data = randomBytes(SIZE);
    const { remote, etag, tmpDir } = await setup(data);
    await writeFile(join(tmpDir, partialName('big.bin', etag)), randomBytes(9 * MiB));
    const got = await fetch(remote, etag, tmpDir, md5(data));
    assert.equal(got.hash, md5(data));
    assert.ok(got.content.equals(data));
    assert.equal(got.received, SIZE - 9 * MiB + SIZE, 'the rest, then everything again');
  });

  test('content that does not match its recorded MD5 fails, and leaves no partial', async () => {
    const data = randomBytes(SIZE);
    const wrong = md5(Buffer.from('something else'));
    const { remote, etag, tmpDir } = await setup(data, wrong);
    await assert.rejects(fetch(remote, etag, tmpDir, wrong), (e: unknown) => e instanceof RemoteError && e.kind === 'permanent' && /recorded MD5/.test(e.message));
    assert.deepEqual(await readdir(tmpDir), []);
  });

  test('a download that cannot finish keeps its partial, and the worker does not keep the process alive', async () => {
    const data = randomBytes(SIZE);
    const { remote: base, etag, tmpDir } = await setup(data);
    // Every body breaks after 4 MiB: three inline resumes make progress, then the fetch gives up.
    const remote = withFaults(base, { rules: [{ op: 'get', fault: { type: 'break-body', afterBytes: 4 * MiB } }] });
    await assert.rejects(fetch(remote, etag, tmpDir, md5(data)), (e: unknown) => e instanceof RemoteError && e.kind === 'transient');
    const [name] = await readdir(tmpDir);
    assert.equal(name, partialName('big.bin', etag));
    const partial = await readFile(join(tmpDir, name));
    // Up to 4 MiB per attempt (what was still on its way to the file when a body broke is lost).
    assert.ok(partial.byteLength > 4 * MiB && partial.byteLength <= 16 * MiB, `${partial.byteLength} B kept`);
    assert.ok(partial.equals(data.subarray(0, partial.byteLength)), 'the partial is a prefix of the object');
    // The test process exiting at all shows no worker was left running.
  });
});
