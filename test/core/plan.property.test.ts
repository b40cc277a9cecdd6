/**
 * Property tests: a pure model of two collaborators A and B sharing one remote, driven by random
 * edits and runs of the planner, with the plan's actions applied to the model as the executor
 * would (including its precondition checks).
 *
 * Properties:
 *  1. convergence: after a quiet period (A syncs, B syncs, A syncs) with no conflicts, A, B and
 *     the remote hold the same files; with conflicts, resolving them and syncing again converges;
 *  2. no edit is lost: every content written to a path is, at the end, still somewhere under that
 *     path (A, B or the remote) unless a later write or delete was made on top of it;
 *  3. determinism and idempotence: the same snapshot (in any map order) gives the same plan, and
 *     planning again right after applying a plan gives no actions (and the same conflicts).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { plan } from '../../src/core/plan.js';
import type { Action, BaseEntry, LocalEntry, Plan, PlanMode, RemoteEntry, Snapshot } from '../../src/core/types.js';
import { assertNever } from '../../src/core/types.js';
import { fakeHash, options } from './builders.js';

// --- The model ---

type Who = 'A' | 'B';

interface LocalFile {
  content: string;
  mtimeMs: number;
}

interface RemoteObject {
  content: string;
  etag: string;
  /** False for objects written by another tool in parts: the ETag is not an MD5, no metadata. */
  hashKnown: boolean;
}

interface Replica {
  readonly files: Map<string, LocalFile>;
  readonly base: Map<string, BaseEntry>;
}

interface World {
  readonly A: Replica;
  readonly B: Replica;
  readonly remote: Map<string, RemoteObject>;
  /** Every (path, content) ever written by anyone. */
  readonly written: Set<string>;
  /** (path, content) pairs that a later write or delete was made on top of, knowingly. */
  readonly superseded: Set<string>;
  clock: number;
}

const key = (path: string, content: string): string => `${path}\u0000${content}`;

function newWorld(): World {
  return {
    A: { files: new Map(), base: new Map() },
    B: { files: new Map(), base: new Map() },
    remote: new Map(),
    written: new Set(),
    superseded: new Set(),
    clock: 1_000,
  };
}

function snapshotOf(w: World, who: Who, reverse = false): Snapshot {
  const r = w[who];
  const order = <T>(xs: T[]): T[] => (reverse ? xs.reverse() : xs);
  const local = new Map<string, LocalEntry>();
  for (const [path, f] of order([...r.files])) {
    // The scanner's stat shortcut: a file whose size and mtime match the base is not hashed.
    const b = r.base.get(path);
    const statSame = b !== undefined && b.size === f.content.length && b.mtimeMs === f.mtimeMs;
    local.set(path, {
      path,
      kind: 'file',
      size: f.content.length,
      mtimeMs: f.mtimeMs,
      mode: 0o644,
      ...(statSame ? {} : { hash: fakeHash(f.content) }),
    });
  }
  const base = new Map<string, BaseEntry>(order([...r.base]));
  const remote = new Map<string, RemoteEntry>();
  for (const [path, o] of order([...w.remote])) {
    const b = r.base.get(path);
    // As the scanner does: the hash comes from metadata, else from the base when the ETag is the same.
    const hash = o.hashKnown ? fakeHash(o.content) : b?.etag === o.etag ? b.hash : undefined;
    remote.set(path, {
      path,
      kind: 'file',
      size: o.content.length,
      etag: o.etag,
      lastModifiedMs: 0,
      ...(hash !== undefined ? { hash } : {}),
    });
  }
  return { local, base, remote };
}

function freshEtag(w: World): string {
  w.clock++;
  return `etag-${w.clock}`;
}

function baseOf(path: string, f: LocalFile, etag: string): BaseEntry {
  return { path, kind: 'file', size: f.content.length, hash: fakeHash(f.content), mtimeMs: f.mtimeMs, mode: 0o644, etag };
}

/** The executor's re-check of a local file: by hash when the plan has one, else by stat. */
function sameLocal(now: LocalFile | undefined, expected: LocalEntry | undefined): boolean {
  if (now === undefined || expected === undefined) return now === expected;
  if (expected.hash !== undefined) return fakeHash(now.content) === expected.hash;
  return now.content.length === expected.size && now.mtimeMs === expected.mtimeMs;
}

/** Moves applied, by type, across all runs: the properties must really exercise rename detection. */
const movesApplied = { 'move-remote': 0, 'move-local': 0 };

/** Carry out one action on the model, checking its precondition as the executor does. */
function apply(w: World, who: Who, a: Action): void {
  const r = w[who];
  const localNow = r.files.get(a.path);
  const remoteNow = w.remote.get(a.path);
  switch (a.type) {
    case 'upload': {
      assert.ok(localNow !== undefined);
      assert.ok(sameLocal(localNow, a.local), 'upload: local changed since planning');
      assert.equal(remoteNow?.etag, a.expectRemote?.etag, 'upload: remote precondition');
      const etag = freshEtag(w);
      w.remote.set(a.path, { content: localNow.content, etag, hashKnown: true });
      r.base.set(a.path, baseOf(a.path, localNow, etag));
      break;
    }
    case 'download': {
      assert.ok(remoteNow !== undefined);
      assert.equal(remoteNow.etag, a.remote.etag);
      assert.ok(sameLocal(localNow, a.expectLocal), 'download: local precondition');
      w.clock++;
      const f = { content: remoteNow.content, mtimeMs: w.clock };
      r.files.set(a.path, f);
      r.base.set(a.path, baseOf(a.path, f, remoteNow.etag));
      break;
    }
    case 'delete-remote':
      assert.equal(remoteNow?.etag, a.remote.etag, 'delete-remote: precondition');
      w.remote.delete(a.path);
      r.base.delete(a.path);
      break;
    case 'delete-local':
      assert.ok(sameLocal(localNow, a.local), 'delete-local: precondition');
      r.files.delete(a.path);
      r.base.delete(a.path);
      break;
    case 'record':
      assert.ok(localNow !== undefined && remoteNow !== undefined);
      assert.equal(localNow.content, remoteNow.content, 'record: both sides must really be equal');
      assert.equal(remoteNow.etag, a.remote.etag);
      r.base.set(a.path, baseOf(a.path, localNow, remoteNow.etag));
      break;
    case 'forget':
      assert.ok(localNow === undefined && remoteNow === undefined);
      r.base.delete(a.path);
      break;
    case 'move-remote': {
      // Server-side copy (source guarded by its ETag, target must be new), then delete the source.
      const source = w.remote.get(a.from);
      assert.ok(localNow !== undefined);
      assert.ok(sameLocal(localNow, a.local), 'move-remote: local changed since planning');
      assert.equal(remoteNow, undefined, 'move-remote: target exists on the remote');
      assert.ok(source !== undefined);
      assert.equal(source.etag, a.remote.etag, 'move-remote: source precondition');
      assert.equal(source.content, localNow.content, 'move-remote: the copy must hold the local content');
      const etag = freshEtag(w);
      // The copy keeps the source's metadata, so its content is as identifiable as the source's.
      w.remote.set(a.path, { content: source.content, etag, hashKnown: source.hashKnown });
      w.remote.delete(a.from);
      r.base.set(a.path, baseOf(a.path, localNow, etag));
      r.base.delete(a.from);
      movesApplied[a.type]++;
      break;
    }
    case 'move-local': {
      const source = r.files.get(a.from);
      assert.ok(sameLocal(source, a.local), 'move-local: source changed since planning');
      assert.ok(source !== undefined);
      assert.equal(localNow, undefined, 'move-local: target exists locally');
      assert.ok(remoteNow !== undefined);
      assert.equal(remoteNow.etag, a.remote.etag, 'move-local: remote precondition');
      assert.equal(source.content, remoteNow.content, 'move-local: the rename must give the remote content');
      r.files.delete(a.from);
      r.files.set(a.path, source); // a rename keeps the mtime
      r.base.set(a.path, baseOf(a.path, source, remoteNow.etag));
      r.base.delete(a.from);
      movesApplied[a.type]++;
      break;
    }
    case 'keep-both':
    case 'mkdir-remote':
    case 'mkdir-local':
    case 'rmdir-remote':
    case 'rmdir-local':
    case 'record-dir':
    case 'forget-dir':
      // This model has no folders, and its plans settle no conflicts.
      assert.fail(`${a.type} planned for a model without folders or a policy`);
      break;
    default:
      assertNever(a);
  }
}

/** A full run: plan, check determinism, apply, check idempotence. */
function run(w: World, who: Who, mode: PlanMode, force = false, scope?: ReadonlySet<string>): Plan {
  const opts = options(mode, { force });
  const inScope = <V>(m: ReadonlyMap<string, V>): Map<string, V> =>
    new Map([...m].filter(([p]) => scope === undefined || scope.has(p)));
  const scoped = (s: Snapshot): Snapshot => ({ local: inScope(s.local), base: inScope(s.base), remote: inScope(s.remote) });

  const p = plan(scoped(snapshotOf(w, who)), opts);
  assert.deepEqual(plan(scoped(snapshotOf(w, who, true)), opts), p, 'plan depends on map order');
  assert.deepEqual(p.refusals, []);
  const conflictPaths = new Set(p.conflicts.map((c) => c.path));
  // A conflict is two really different contents (equal ones are recorded), except when the
  // remote's content cannot be identified, where "different" is deliberately not guessed.
  // And a conflict needs both sides to have changed since this replica's base.
  for (const c of p.conflicts) {
    if (c.reason !== 'unknown-content') assert.notEqual(w[who].files.get(c.path)?.content, w.remote.get(c.path)?.content);
    const b = w[who].base.get(c.path);
    if (b !== undefined) {
      assert.notEqual(w.remote.get(c.path)?.etag, b.etag, `conflict on ${c.path} but the remote is unchanged`);
      assert.notEqual(fakeHash(w[who].files.get(c.path)?.content ?? ''), b.hash, `conflict on ${c.path} but the local file is unchanged`);
    }
  }
  // push never touches local files, pull never touches the remote.
  const localBefore = contents(w[who].files);
  const remoteBefore = contents(w.remote);
  const before = new Map([...w[who].files].filter(([path]) => conflictPaths.has(path)));
  for (const a of p.actions) {
    assert.ok(!conflictPaths.has(a.path), `action on a conflicting path ${a.path}`);
    apply(w, who, a);
  }
  if (mode === 'push') assert.deepEqual(contents(w[who].files), localBefore, 'push changed local files');
  if (mode === 'pull') assert.deepEqual(contents(w.remote), remoteBefore, 'pull changed the remote');
  // A conflict leaves the local content exactly where it was.
  for (const c of p.conflicts) assert.deepEqual(w[who].files.get(c.path), before.get(c.path));

  const again = plan(scoped(snapshotOf(w, who)), opts);
  assert.deepEqual(again.actions, [], `${mode} is not idempotent`);
  assert.deepEqual(again.conflicts.map((c) => c.path), [...conflictPaths]);
  return p;
}

// --- Operations ---

type Op =
  | { readonly kind: 'write'; readonly who: Who; readonly path: string; readonly copy: boolean }
  | { readonly kind: 'delete'; readonly who: Who; readonly path: string }
  | { readonly kind: 'rename'; readonly who: Who; readonly path: string; readonly to: string }
  | { readonly kind: 'external'; readonly path: string; readonly del: boolean }
  | { readonly kind: 'run'; readonly who: Who; readonly mode: PlanMode };

const PATHS = ['a.txt', 'b.txt', 'dir/c.txt'];
const whoArb = fc.constantFrom<Who>('A', 'B');
const pathArb = fc.constantFrom(...PATHS);
// Renames also reach paths nothing else writes, so that many land on a path new to both sides
// (the case move detection pairs) rather than over a synchronised file.
const renameArb = fc.constantFrom(...PATHS, 'e.txt', 'new/f.txt');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), who: whoArb, path: pathArb, copy: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), who: whoArb, path: pathArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rename' as const), who: whoArb, path: renameArb, to: renameArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('external' as const), path: pathArb, del: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('run' as const), who: whoArb, mode: fc.constant<PlanMode>('sync') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('run' as const), who: whoArb, mode: fc.constantFrom<PlanMode>('push', 'pull') }) },
);

const other = (who: Who): Who => (who === 'A' ? 'B' : 'A');

function perform(w: World, op: Op): void {
  switch (op.kind) {
    case 'write': {
      const files = w[op.who].files;
      const prev = files.get(op.path);
      // `copy` makes the same edit on both replicas (the "both changed to the same content" case).
      const theirs = w[other(op.who)].files.get(op.path)?.content;
      w.clock++;
      const content = op.copy && theirs !== undefined ? theirs : `${op.who}${w.clock}${'.'.repeat(w.clock % 4)}`;
      if (prev !== undefined) w.superseded.add(key(op.path, prev.content));
      files.set(op.path, { content, mtimeMs: w.clock });
      w.written.add(key(op.path, content));
      break;
    }
    case 'delete': {
      const prev = w[op.who].files.get(op.path);
      if (prev !== undefined) w.superseded.add(key(op.path, prev.content));
      w[op.who].files.delete(op.path);
      break;
    }
    case 'rename': {
      // mv path to (replacing what is at `to`): the content now lives under the new name.
      const files = w[op.who].files;
      const f = files.get(op.path);
      if (f === undefined || op.path === op.to) break;
      const prev = files.get(op.to);
      if (prev !== undefined) w.superseded.add(key(op.to, prev.content));
      w.superseded.add(key(op.path, f.content));
      files.delete(op.path);
      files.set(op.to, f);
      w.written.add(key(op.to, f.content));
      break;
    }
    case 'external': {
      // Another S3 tool writing the remote directly, in parts: the ETag is not a content hash.
      const prev = w.remote.get(op.path);
      if (prev !== undefined) w.superseded.add(key(op.path, prev.content));
      if (op.del) {
        w.remote.delete(op.path);
      } else {
        const etag = freshEtag(w);
        const content = `X${w.clock}`;
        w.remote.set(op.path, { content, etag: `${etag}-2`, hashKnown: false });
        w.written.add(key(op.path, content));
      }
      break;
    }
    case 'run':
      run(w, op.who, op.mode);
      break;
    default:
      assertNever(op);
  }
}

function contents(m: ReadonlyMap<string, { content: string }>): Record<string, string> {
  return Object.fromEntries([...m].map(([p, v]) => [p, v.content]));
}

function quietPeriod(w: World): number {
  return [run(w, 'A', 'sync'), run(w, 'B', 'sync'), run(w, 'A', 'sync')].reduce((n, p) => n + p.conflicts.length, 0);
}

function assertConverged(w: World): void {
  assert.deepEqual(contents(w.A.files), contents(w.remote), 'A differs from the remote');
  assert.deepEqual(contents(w.B.files), contents(w.remote), 'B differs from the remote');
  // And each database records exactly the synchronised files: no stale records of deleted paths.
  for (const who of ['A', 'B'] as const) {
    const recorded = Object.fromEntries([...w[who].base].map(([p, b]) => [p, b.hash]));
    const present = Object.fromEntries([...w[who].files].map(([p, f]) => [p, fakeHash(f.content)]));
    assert.deepEqual(recorded, present, `${who}'s base does not match its files`);
  }
}

function assertNothingLost(w: World): void {
  for (const k of w.written) {
    if (w.superseded.has(k)) continue;
    const [path = '', content] = k.split('\u0000');
    const holders = [w.A.files.get(path)?.content, w.B.files.get(path)?.content, w.remote.get(path)?.content];
    assert.ok(holders.includes(content), `lost: ${path} = ${content} (A, B, remote hold ${JSON.stringify(holders)})`);
  }
}

// --- Properties ---

const NUM_RUNS = 3000;

/** Run `ops`, then a quiet period; check properties 1 and 2. True when it converged without conflicts. */
function checkHistory(w: World, ops: readonly Op[]): boolean {
  for (const op of ops) perform(w, op);
  const conflicts = quietPeriod(w);
  assertNothingLost(w);
  if (conflicts === 0) {
    assertConverged(w);
    return true;
  }
  // Settle every remaining conflict by taking the remote (pull --force on just those paths),
  // then one more quiet period must converge with no conflicts at all.
  for (const who of ['A', 'B'] as const) {
    const open = new Set(plan(snapshotOf(w, who), options('sync')).conflicts.map((c) => c.path));
    if (open.size > 0) run(w, who, 'pull', true, open);
  }
  assert.equal(quietPeriod(w), 0, 'conflicts remain after resolving');
  assertConverged(w);
  return false;
}

test('two collaborators: no edit is lost, quiet syncs converge, plans are deterministic and idempotent', () => {
  let convergedClean = 0;
  let resolved = 0;
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
      if (checkHistory(newWorld(), ops)) convergedClean++;
      else resolved++;
    }),
    { numRuns: NUM_RUNS, includeErrorInReport: true },
  );
  // Guard against a vacuous pass: both branches must really be exercised.
  assert.ok(convergedClean > NUM_RUNS / 10, `only ${convergedClean} runs converged without conflicts`);
  assert.ok(resolved > NUM_RUNS / 20, `only ${resolved} runs had conflicts to resolve`);
});

test('renames (moves) among edits: the same properties hold, and moves really happen both ways', () => {
  const before = { ...movesApplied };
  // Start from files synchronised on both sides, so that renames have something to move.
  const setup: Op[] = [
    ...PATHS.map((path): Op => ({ kind: 'write', who: 'A', path, copy: false })),
    { kind: 'run', who: 'A', mode: 'sync' },
    { kind: 'run', who: 'B', mode: 'sync' },
  ];
  const renameHeavy: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('rename' as const), who: whoArb, path: renameArb, to: renameArb }) },
    { weight: 3, arbitrary: opArb },
  );
  fc.assert(
    fc.property(fc.array(renameHeavy, { maxLength: 20 }), (ops) => {
      checkHistory(newWorld(), [...setup, ...ops]);
    }),
    { numRuns: 1000, includeErrorInReport: true },
  );
  const remote = movesApplied['move-remote'] - before['move-remote'];
  const local = movesApplied['move-local'] - before['move-local'];
  assert.ok(remote > 200 && local > 200, `too few moves applied: ${remote} remote, ${local} local`);
});

test('push --mirror makes the remote exactly the local tree, pull --mirror the other way, from any history', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 30 }), whoArb, (ops, who) => {
      const w = newWorld();
      for (const op of ops) perform(w, op);
      run(w, who, 'push', false); // whatever push leaves pending or conflicting, --mirror settles
      const mirror = plan(snapshotOf(w, who), options('push', { mirror: true }));
      assert.deepEqual(mirror.conflicts, []);
      assert.deepEqual(mirror.pending, []);
      for (const a of mirror.actions) apply(w, who, a);
      assert.deepEqual(contents(w.remote), contents(w[who].files), 'push --mirror left a difference');
      assert.deepEqual(plan(snapshotOf(w, who), options('push', { mirror: true })).actions, []);

      const them = other(who);
      const pulled = plan(snapshotOf(w, them), options('pull', { mirror: true }));
      assert.deepEqual(pulled.conflicts, []);
      assert.deepEqual(pulled.pending, []);
      for (const a of pulled.actions) apply(w, them, a);
      assert.deepEqual(contents(w[them].files), contents(w.remote), 'pull --mirror left a difference');
      assert.deepEqual(plan(snapshotOf(w, them), options('sync')).actions, []);
    }),
    { numRuns: 500, includeErrorInReport: true },
  );
});
