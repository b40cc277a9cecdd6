/**
 * takeSnapshot files remote objects as they arrive, in whatever order the service lists them
 * (ListHints.anyOrder), and holds back those that arrive before the local walk is done. Whichever
 * way they come, the snapshot must be the one a sorted listing gives.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { takeSnapshot, type TakenSnapshot } from '../../src/app/snapshot.js';
import { compareKeys } from '../../src/core/paths.js';
import type { BaseEntry } from '../../src/core/types.js';
import { openRemote, parseRemoteUrl } from '../../src/remote/open.js';
import type { ListHints, Remote, RemoteObject } from '../../src/remote/remote.js';
import { ForwardingRemote, PASS_THROUGH } from '../../src/remote/wrap/forward.js';

const made: string[] = [];
after(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

/**
 * Lists `objects` (taken beforehand: no I/O on the way) in that order when any order is allowed,
 * after `wait` resolves; the inner remote's sorted listing otherwise.
 */
class Listed extends ForwardingRemote {
  constructor(
    inner: Remote,
    private readonly objects: readonly RemoteObject[],
    private readonly wait: () => Promise<void>,
  ) {
    super(inner, PASS_THROUGH);
  }

  override async *list(under?: string, signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject> {
    if (hints?.anyOrder !== true) return yield* this.inner.list(under, signal, hints);
    await this.wait();
    yield* this.objects;
  }
}

function sorted<V>(m: ReadonlyMap<string, V>): [string, V][] {
  return [...m].sort((a, b) => compareKeys(a[0], b[0]));
}

function normal(s: TakenSnapshot): unknown {
  return { local: sorted(s.local), base: sorted(s.base), remote: sorted(s.remote), names: s.names };
}

test('remote objects in any order, before or after the walk, give the snapshot of a sorted listing', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-snap-'));
  made.push(tmp);
  const root = join(tmp, 'repo');
  await mkdir(join(root, '.lsync'), { recursive: true });
  await mkdir(join(root, 'sub', '.lsync'), { recursive: true }); // a nested repository
  await mkdir(join(root, 'keep'), { recursive: true });
  await writeFile(join(root, '.lsyncignore'), '*.log\n');
  await writeFile(join(root, 'a.txt'), 'same');
  await writeFile(join(root, 'keep', 'b.txt'), 'local b');
  await writeFile(join(root, 'skip.log'), 'ignored');
  await writeFile(join(root, 'sub', 'x'), 'nested');

  const remote = await openRemote(parseRemoteUrl(`file://${join(tmp, 'remote')}`));
  await remote.createBucket();
  const put = (path: string, text: string): Promise<unknown> => remote.put(path, { kind: 'bytes', data: Buffer.from(text) }, { meta: {} });
  for (const [p, t] of [['a.txt', 'same'], ['keep/b.txt', 'remote b'], ['r-only.txt', 'r'], ['remote.log', 'ignored'], ['sub/y', 'nested'], ['z/', ''], ['c/d/e.txt', 'deep']] as const) await put(p, t);
  const a = await remote.stat('a.txt');
  assert.ok(a !== undefined);
  const base = new Map<string, BaseEntry>([['a.txt', { path: 'a.txt', kind: 'file', size: 4, hash: 'hash-from-the-base', mtimeMs: 1, mode: 0o644, etag: a.etag }]]);

  const take = (r: Remote): Promise<TakenSnapshot> => takeSnapshot({ root, remote: r, base, scopes: [], useGitignore: false, concurrency: 4, emit: () => undefined });
  const reference = await take(remote);
  // What the filing decides, so that equal snapshots mean something.
  assert.deepEqual([...reference.remote.keys()].sort(compareKeys), ['a.txt', 'c/d/e.txt', 'keep/b.txt', 'r-only.txt', 'z']);
  assert.equal(reference.remote.get('a.txt')?.hash, 'hash-from-the-base');
  assert.equal(reference.remote.get('z')?.kind, 'dir');

  const all: RemoteObject[] = [];
  for await (const o of remote.list()) all.push(o);
  const reversed = [...all].reverse();
  const interleaved = [...all.filter((_, i) => i % 2 === 1), ...all.filter((_, i) => i % 2 === 0)];
  // All before the walk ends (held back, then filed), and all after it (filed as they come).
  const early = new Listed(remote, reversed, async () => undefined);
  const late = new Listed(remote, interleaved, () => new Promise((r) => setTimeout(r, 300)));
  assert.deepEqual(normal(await take(early)), normal(reference));
  assert.deepEqual(normal(await take(late)), normal(reference));
});
