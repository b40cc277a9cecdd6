/**
 * The change feed against real stores: a file:// directory, s3rver (no conditional writes: the
 * read-back and re-read window) and moto (conditional creates). Several writers at once, damage,
 * trimming.
 */
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FileRemote } from '../../src/remote/file/file-remote.js';
import type { IfChanged, Remote } from '../../src/remote/remote.js';
import { HEAD, recordName } from '../../src/feed/format.js';
import { FeedReader } from '../../src/feed/reader.js';
import { appendRecord } from '../../src/feed/writer.js';
import { withCounters } from '../../src/remote/wrap/counters.js';
import { serverKinds, useServer, type ServerInfo } from '../support/servers.js';
import { s3RemoteOn } from '../support/s3-remote.js';

/**
 * The store, except that the first changed head it returns is cut short, as a reader sees a head
 * that s3rver (or a share without atomic renames) is still writing in place.
 */
function tornOnce(inner: Remote): Remote {
  let torn = true;
  return new Proxy(inner, {
    get(target, key, receiver): unknown {
      const read = target.getIfChanged?.bind(target);
      if (key !== 'getIfChanged' || read === undefined) return Reflect.get(target, key, receiver) as unknown;
      return async (...args: Parameters<typeof read>): Promise<IfChanged> => {
        const got = await read(...args);
        if (!torn || got.state !== 'changed' || args[0] !== HEAD) return got;
        torn = false;
        return { ...got, data: got.data.subarray(0, 3) };
      };
    },
  });
}

const CONDITIONAL: Record<string, boolean> = { s3rver: false, moto: true };

/** A fresh, empty feed location; the function it returns opens stores on it (one per writer). */
type Place = () => Promise<() => Promise<Remote>>;

function suite(name: string, place: Place): void {
  describe(name, () => {
    test('a reader sees other writers\' records, skips its own, and is idle when nothing changed', async () => {
      const open = await place();
      const store = await open();
      try {
        const reader = new FeedReader(store, 'me', await FeedReader.start(store));
        assert.deepEqual(await reader.poll(), { kind: 'idle' });
        await appendRecord(store, { writer: 'other', changes: [{ op: 'put', path: 'a.txt' }, { op: 'move', path: 'n/b', from: 'o/b' }] });
        await appendRecord(store, { writer: 'me', changes: [{ op: 'put', path: 'mine.txt' }] });
        const got = await reader.poll();
        assert.equal(got.kind, 'changes');
        assert.deepEqual(got.kind === 'changes' ? [...got.paths].sort() : [], ['a.txt', 'n/b', 'o/b']);
        assert.deepEqual(await reader.poll(), { kind: 'idle' });
        await appendRecord(store, { writer: 'me', changes: [{ op: 'delete', path: 'x' }] });
        assert.deepEqual(await reader.poll(), { kind: 'idle' }, 'only its own record is new');
        assert.equal(reader.position.seq, 3);
      } finally {
        await store.close();
      }
    });

    test('several writers at once: no record is missed (and each has its own number where creates are conditional)', async () => {
      const open = await place();
      const store = await open();
      const writers = await Promise.all(Array.from({ length: 4 }, () => open()));
      try {
        const reader = new FeedReader(store, 'reader', await FeedReader.start(store));
        const seqs = await Promise.all(
          writers.flatMap((w, i) => Array.from({ length: 5 }, (_, j) => appendRecord(w, { writer: `w${i}`, changes: [{ op: 'put', path: `w${i}/f${j}` }] }))),
        );
        // Conditional creates give every record its own number; elsewhere numbers may repeat, names do not.
        if (store.capabilities.conditionalWrites) assert.equal(new Set(seqs).size, 20, `numbers: ${seqs.join(',')}`);
        const got = await reader.poll();
        assert.equal(got.kind, 'changes');
        assert.equal(got.kind === 'changes' ? got.paths.size : 0, 20);
      } finally {
        await Promise.all([store, ...writers].map((s) => s.close()));
      }
    });

    test('an idle poll is one conditional read of the head: no body, no listing', async () => {
      const open = await place();
      const store = withCounters(await open());
      try {
        await appendRecord(store, { writer: 'other', changes: [{ op: 'put', path: 'a' }] });
        const reader = new FeedReader(store, 'me', { seq: 0 });
        assert.equal((await reader.poll()).kind, 'changes');
        const before = structuredClone(store.counters);
        for (let i = 0; i < 3; i++) assert.deepEqual(await reader.poll(), { kind: 'idle' });
        const c = store.counters;
        assert.equal(c.getIfChanged.calls - before.getIfChanged.calls, 3, 'one head read per poll');
        assert.equal(c.getIfChanged.bytes - before.getIfChanged.bytes, 0, 'the unchanged head is not sent');
        assert.equal(c.get.calls - before.get.calls, 0);
        assert.equal(c.list.calls - before.list.calls, 0, 'no listing while idle');
      } finally {
        await store.close();
      }
    });

    test('a damaged record or head makes the reader list in full', async () => {
      const open = await place();
      const store = await open();
      try {
        const reader = new FeedReader(store, 'me', await FeedReader.start(store));
        await appendRecord(store, { writer: 'other', changes: [{ op: 'put', path: 'a' }] });
        await store.put(recordName(2), { kind: 'bytes', data: new TextEncoder().encode('{"v":1,"seq":2') }, { meta: {} });
        await store.put(HEAD, { kind: 'bytes', data: new TextEncoder().encode('{"v":1,"seq":2,"floor":1}') }, { meta: {} });
        const got = await reader.poll();
        assert.equal(got.kind, 'full', JSON.stringify(got));
        await store.put(HEAD, { kind: 'bytes', data: new TextEncoder().encode('garbage') }, { meta: {} });
        assert.equal((await reader.poll()).kind, 'full');
        // One listing per damaged head, not one per poll; the next record repairs the head.
        reader.reset(await FeedReader.start(store));
        assert.deepEqual(await reader.poll(), { kind: 'idle' });
        await appendRecord(store, { writer: 'other', changes: [{ op: 'put', path: 'after' }] });
        const after = await reader.poll();
        // Numbered records are read from 1 again and meet the damaged one (listed records skip it).
        if (after.kind === 'full') reader.reset(await FeedReader.start(store));
        else assert.ok(after.kind === 'changes' && after.paths.has('after'), JSON.stringify(after));
        await appendRecord(store, { writer: 'other', changes: [{ op: 'put', path: 'later' }] });
        const later = await reader.poll();
        assert.deepEqual(later.kind === 'changes' ? [...later.paths] : later, ['later'], 'back to reading records');
      } finally {
        await store.close();
      }
    });

    test('a reader started after records were written reads none of them again, and reads the next', async () => {
      const open = await place();
      const store = await open();
      try {
        for (let i = 0; i < 3; i++) await appendRecord(store, { writer: 'other', changes: [{ op: 'put', path: `old${i}` }] });
        // As a watcher does: the start position, then a full listing that covers those records.
        const reader = new FeedReader(store, 'me', await FeedReader.start(store));
        assert.deepEqual(await reader.poll(), { kind: 'idle' }, 'the records before the start are covered by the full listing');
        await appendRecord(store, { writer: 'other', changes: [{ op: 'put', path: 'new' }] });
        const got = await reader.poll();
        assert.deepEqual(got.kind === 'changes' ? [...got.paths] : got, ['new']);
      } finally {
        await store.close();
      }
    });

    test('a head caught half-written is read once more, not taken for damage', async () => {
      const open = await place();
      const store = await open();
      try {
        const reader = new FeedReader(tornOnce(store), 'me', await FeedReader.start(store));
        await appendRecord(store, { writer: 'other', changes: [{ op: 'put', path: 'a' }] });
        const got = await reader.poll();
        assert.deepEqual(got.kind === 'changes' ? [...got.paths] : got, ['a'], 'the second read of the head is whole');
      } finally {
        await store.close();
      }
    });

    test('a reader behind the trim lists in full; one that kept up does not', async () => {
      const open = await place();
      const store = await open();
      try {
        const slow = new FeedReader(store, 'slow', { seq: 0 });
        const fast = new FeedReader(store, 'fast', { seq: 0 });
        for (let i = 1; i <= 50; i++) {
          await appendRecord(store, { writer: 'w', changes: [{ op: 'put', path: `f${i}` }], keep: 10 });
          if (i === 45) assert.equal((await fast.poll()).kind, 'changes');
        }
        assert.equal(await store.stat(recordName(40)), undefined, 'records below the floor are deleted');
        const f = await fast.poll();
        assert.equal(f.kind, 'changes');
        assert.deepEqual(f.kind === 'changes' ? [...f.paths] : [], ['f46', 'f47', 'f48', 'f49', 'f50']);
        const s = await slow.poll();
        assert.equal(s.kind, 'full');
      } finally {
        await store.close();
      }
    });
  });
}

let dirs = 0;
const base = await mkdtemp(join(tmpdir(), 'lsync-feed-'));
suite('file://', async () => {
  const dir = join(base, `remote-${++dirs}`, '.lsync', 'feed');
  await mkdir(dir, { recursive: true });
  return async () => new FileRemote(dir);
});

for (const kind of serverKinds()) {
  describe(kind, () => {
    const server = useServer(kind);
    let bucket: string | undefined;
    let prefixes = 0;
    suite('feed', async () => {
      const s: ServerInfo = server();
      bucket ??= await s.createBucket();
      const b = bucket;
      const prefix = `p${++prefixes}/.lsync/feed/`;
      return async () => s3RemoteOn(s, { bucket: b, prefix, conditionalWrites: CONDITIONAL[kind] ?? false });
    });
  });
}

process.on('exit', () => void rm(base, { recursive: true, force: true }));
