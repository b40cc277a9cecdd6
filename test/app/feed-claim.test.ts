/**
 * When a run may claim that the base equals the remote (app/feed-listing.ts baseMatchesRemote):
 * the claim lets later runs skip the listing, so every way it could be wrong must refuse it.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { baseMatchesRemote, type RunFacts } from '../../src/app/feed-listing.js';
import { plan } from '../../src/core/plan.js';
import type { Snapshot } from '../../src/core/types.js';
import type { ExecResult } from '../../src/exec/outcome.js';
import { file, options, snapshot } from '../core/builders.js';

const clean: ExecResult = { done: 0, skipped: 0, failed: 0, bytesSent: 0, bytesReceived: 0, postponed: 0, interrupted: false, doneByType: {} };

function facts(s: Snapshot, executed?: Partial<ExecResult>): RunFacts {
  const p = plan(s, options('sync'));
  return {
    snapshot: s,
    names: [],
    plan: p,
    conflicts: p.conflicts,
    ...(executed !== undefined ? { executed: { actions: p.actions, result: { ...clean, ...executed } } } : {}),
  };
}

const a = file('a.txt', 'A');
const b = file('b.txt', 'B');
const b2 = file('b.txt', 'B, edited elsewhere');

test('a listing equal to the base is claimed, by status and by a sync with nothing to do', () => {
  const s = snapshot({ local: [a.local(), b.local()], base: [a.base(), b.base()], remote: [a.remote(), b.remote()] });
  assert.equal(baseMatchesRemote(facts(s)), true);
  assert.equal(baseMatchesRemote(facts(s, {})), true);
});

test('a remote change: not claimed by status (the base is behind); claimed by a sync that fetched it cleanly', () => {
  const s = snapshot({ local: [a.local(), b.local()], base: [a.base(), b.base()], remote: [a.remote(), b2.remote()] });
  assert.equal(baseMatchesRemote(facts(s)), false);
  assert.equal(baseMatchesRemote(facts(s, { done: 1 })), true);
  for (const bad of [{ failed: 1 }, { skipped: 1 }, { postponed: 1 }, { interrupted: true }]) assert.equal(baseMatchesRemote(facts(s, bad)), false, JSON.stringify(bad));
});

test('an object on the remote only, or gone from it, is drift like an edit', () => {
  const added = snapshot({ local: [a.local()], base: [a.base()], remote: [a.remote(), b.remote()] });
  assert.equal(baseMatchesRemote(facts(added)), false);
  const gone = snapshot({ local: [a.local(), b.local()], base: [a.base(), b.base()], remote: [a.remote()] });
  assert.equal(baseMatchesRemote(facts(gone)), false);
});

test('a standing conflict or a refused name is never claimed', () => {
  const conflict = snapshot({ local: [a.local(), file('b.txt', 'B, edited here').local()], base: [a.base(), b.base()], remote: [a.remote(), b2.remote()] });
  const f = facts(conflict, {});
  assert.ok(f.conflicts.length > 0);
  assert.equal(baseMatchesRemote(f), false);
  const s = snapshot({ local: [a.local()], base: [a.base()], remote: [a.remote()] });
  assert.equal(baseMatchesRemote({ ...facts(s), names: [{ kind: 'too-long', path: 'x', bytes: 2000, message: 'x' }] }), false);
});
