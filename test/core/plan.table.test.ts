/**
 * The decision table: one row per combination of local × base × remote state, with the expected
 * outcome under every mode. Impossible combinations are listed explicitly, and a test checks that
 * rows + impossible cover every combination exactly once.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plan } from '../../src/core/plan.js';
import type { Action, Plan, PlanOptions, Snapshot } from '../../src/core/types.js';
import { BASE_MTIME, file, options, snapshot } from './builders.js';

type LocalState = '-' | '=' | 'A' | 'B'; // absent, same as base, modified to A, modified to B
type BaseState = 'none' | 'base';
type RemoteState = '-' | '=' | 'A' | 'B' | '?'; // ... '?' = modified, hash unknown (multipart)

/** An action type, 'conflict:<reason>', 'pending:<side>:<change>', or '-' for nothing. */
type Outcome = string;

const MODES = ['sync', 'push', 'push --force', 'push --mirror', 'pull', 'pull --force', 'pull --mirror'] as const;
/** local, base, remote, then one outcome per entry of MODES, in order. */
type Row = readonly [LocalState, BaseState, RemoteState, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome];

const P = 'dir/file.txt';
// Different lengths on purpose: same-size edits are the classic missed change.
const BASE = file(P, 'the base content');
const A = file(P, 'content A, somewhat longer than the base');
const B = file(P, 'B');
const UNKNOWN = file(P, 'bytes uploaded in parts by another tool');

const DL = 'download';
const UP = 'upload';
const DR = 'delete-remote';
const DLL = 'delete-local';
const REC = 'record';
const FGT = 'forget';

// prettier-ignore
const ROWS: readonly Row[] = [
  // local base    remote   sync                         push                         push --force         push --mirror  pull                         pull --force         pull --mirror
  ['-', 'base', '-',       FGT,                         FGT,                         FGT,                 FGT,           FGT,                         FGT,                 FGT],
  ['-', 'base', '=',       DR,                          DR,                          DR,                  DR,            'pending:local:deleted',     DL,                  DL],
  ['-', 'base', 'A',       DL,                          'pending:remote:modified',   DR,                  DR,            DL,                          DL,                  DL],
  ['-', 'base', 'B',       DL,                          'pending:remote:modified',   DR,                  DR,            DL,                          DL,                  DL],
  ['-', 'base', '?',       DL,                          'pending:remote:modified',   DR,                  DR,            DL,                          DL,                  DL],
  ['=', 'base', '-',       DLL,                         'pending:remote:deleted',    UP,                  UP,            DLL,                         DLL,                 DLL],
  ['=', 'base', '=',       '-',                         '-',                         '-',                 '-',           '-',                         '-',                 '-'],
  ['=', 'base', 'A',       DL,                          'pending:remote:modified',   UP,                  UP,            DL,                          DL,                  DL],
  ['=', 'base', 'B',       DL,                          'pending:remote:modified',   UP,                  UP,            DL,                          DL,                  DL],
  ['=', 'base', '?',       DL,                          'pending:remote:modified',   UP,                  UP,            DL,                          DL,                  DL],
  ['A', 'base', '-',       UP,                          UP,                          UP,                  UP,            'pending:local:modified',    DLL,                 DLL],
  ['A', 'base', '=',       UP,                          UP,                          UP,                  UP,            'pending:local:modified',    DL,                  DL],
  ['A', 'base', 'A',       REC,                         REC,                         REC,                 REC,           REC,                         REC,                 REC],
  ['A', 'base', 'B',       'conflict:both-modified',    'conflict:both-modified',    UP,                  UP,            'conflict:both-modified',    DL,                  DL],
  ['A', 'base', '?',       'conflict:unknown-content',  'conflict:unknown-content',  UP,                  UP,            'conflict:unknown-content',  DL,                  DL],
  ['B', 'base', '-',       UP,                          UP,                          UP,                  UP,            'pending:local:modified',    DLL,                 DLL],
  ['B', 'base', '=',       UP,                          UP,                          UP,                  UP,            'pending:local:modified',    DL,                  DL],
  ['B', 'base', 'A',       'conflict:both-modified',    'conflict:both-modified',    UP,                  UP,            'conflict:both-modified',    DL,                  DL],
  ['B', 'base', 'B',       REC,                         REC,                         REC,                 REC,           REC,                         REC,                 REC],
  ['B', 'base', '?',       'conflict:unknown-content',  'conflict:unknown-content',  UP,                  UP,            'conflict:unknown-content',  DL,                  DL],
  ['-', 'none', 'A',       DL,                          'pending:remote:added',      'pending:remote:added', DR,         DL,                          DL,                  DL],
  ['-', 'none', 'B',       DL,                          'pending:remote:added',      'pending:remote:added', DR,         DL,                          DL,                  DL],
  ['-', 'none', '?',       DL,                          'pending:remote:added',      'pending:remote:added', DR,         DL,                          DL,                  DL],
  ['A', 'none', '-',       UP,                          UP,                          UP,                  UP,            'pending:local:added',       'pending:local:added', DLL],
  ['A', 'none', 'A',       REC,                         REC,                         REC,                 REC,           REC,                         REC,                 REC],
  ['A', 'none', 'B',       'conflict:both-added',       'conflict:both-added',       UP,                  UP,            'conflict:both-added',       DL,                  DL],
  ['A', 'none', '?',       'conflict:unknown-content',  'conflict:unknown-content',  UP,                  UP,            'conflict:unknown-content',  DL,                  DL],
  ['B', 'none', '-',       UP,                          UP,                          UP,                  UP,            'pending:local:added',       'pending:local:added', DLL],
  ['B', 'none', 'A',       'conflict:both-added',       'conflict:both-added',       UP,                  UP,            'conflict:both-added',       DL,                  DL],
  ['B', 'none', 'B',       REC,                         REC,                         REC,                 REC,           REC,                         REC,                 REC],
  ['B', 'none', '?',       'conflict:unknown-content',  'conflict:unknown-content',  UP,                  UP,            'conflict:unknown-content',  DL,                  DL],
];

/** Combinations that cannot occur, with why. */
const IMPOSSIBLE: readonly (readonly [LocalState, BaseState, RemoteState, string])[] = [
  ['=', 'none', '-', 'no base to be the same as'],
  ['=', 'none', '=', 'no base to be the same as'],
  ['=', 'none', 'A', 'no base to be the same as'],
  ['=', 'none', 'B', 'no base to be the same as'],
  ['=', 'none', '?', 'no base to be the same as'],
  ['-', 'none', '=', 'no base to be the same as'],
  ['A', 'none', '=', 'no base to be the same as'],
  ['B', 'none', '=', 'no base to be the same as'],
  ['-', 'none', '-', 'the path is in none of the three maps, so the planner never sees it'],
];

function build(l: LocalState, b: BaseState, r: RemoteState): Snapshot {
  const local =
    l === '-' ? [] : l === '=' ? [BASE.local()] : [(l === 'A' ? A : B).local({ mtimeMs: BASE_MTIME + 5_000 })];
  const base = b === 'base' ? [BASE.base()] : [];
  const remote =
    r === '-'
      ? []
      : r === '='
        ? [BASE.remote()]
        : r === '?'
          ? [UNKNOWN.remote({ etag: 'd41d8cd98f00b204e9800998ecf8427e-3', hashKnown: false })]
          : [(r === 'A' ? A : B).remote()];
  return snapshot({ local, base, remote });
}

function optionsFor(mode: (typeof MODES)[number]): PlanOptions {
  const [verb, flag] = mode.split(' ') as ['sync' | 'push' | 'pull', string | undefined];
  return options(verb, { force: flag === '--force', mirror: flag === '--mirror' });
}

function outcome(p: Plan): Outcome {
  const n = p.actions.length + p.conflicts.length + p.pending.length;
  assert.ok(n <= 1, `one path gives at most one outcome, got ${JSON.stringify(p)}`);
  const [a] = p.actions;
  if (a !== undefined) return a.type;
  const [c] = p.conflicts;
  if (c !== undefined) return `conflict:${c.reason}`;
  const [q] = p.pending;
  if (q !== undefined) return `pending:${q.side}:${q.change}`;
  return '-';
}

/** Every action carries exactly the entries the executor re-checks against. */
function checkFields(a: Action, s: Snapshot): void {
  const local = s.local.get(a.path);
  const base = s.base.get(a.path);
  const remote = s.remote.get(a.path);
  switch (a.type) {
    case 'upload':
      assert.equal(a.local, local);
      assert.equal(a.expectRemote, remote);
      assert.equal(a.base, base);
      break;
    case 'download':
      assert.equal(a.remote, remote);
      assert.equal(a.expectLocal, local);
      assert.equal(a.base, base);
      break;
    case 'delete-remote':
      assert.equal(a.remote, remote);
      assert.equal(a.base, base);
      break;
    case 'delete-local':
      assert.equal(a.local, local);
      assert.equal(a.base, base);
      break;
    case 'record':
      assert.equal(a.local, local);
      assert.equal(a.remote, remote);
      break;
    case 'forget':
      assert.equal(a.base, base);
      break;
  }
  // exactOptionalPropertyTypes: optional fields are omitted, never present as undefined.
  for (const [k, v] of Object.entries(a)) assert.notEqual(v, undefined, `${a.type}.${k} is present but undefined`);
}

describe('plan decision table', () => {
  test('rows and impossible combinations cover every combination exactly once', () => {
    const seen = new Map<string, number>();
    for (const [l, b, r] of [...ROWS, ...IMPOSSIBLE]) {
      const k = `${l}|${b}|${r}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    let combos = 0;
    for (const l of ['-', '=', 'A', 'B'] as const)
      for (const b of ['none', 'base'] as const)
        for (const r of ['-', '=', 'A', 'B', '?'] as const) {
          combos++;
          assert.equal(seen.get(`${l}|${b}|${r}`), 1, `local ${l}, base ${b}, remote ${r}`);
        }
    assert.equal(seen.size, combos);
  });

  for (const row of ROWS) {
    const [l, b, r, ...expected] = row;
    test(`local ${l}  base ${b}  remote ${r}`, () => {
      const s = build(l, b, r);
      MODES.forEach((mode, i) => {
        const p = plan(s, optionsFor(mode));
        assert.equal(outcome(p), expected[i], `mode ${mode}`);
        assert.deepEqual(p.refusals, [], `mode ${mode}: one deletion is ordinary work`);
        for (const a of p.actions) checkFields(a, s);
        for (const c of p.conflicts) {
          assert.equal(c.local, s.local.get(P));
          assert.equal(c.remote, s.remote.get(P));
          assert.equal(c.base, s.base.get(P));
        }
      });
    });
  }
});
