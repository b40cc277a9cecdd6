/**
 * A file only touched (same bytes, new mtime): no action, but its base record takes the new stat,
 * decided by the plan (Plan.restat) rather than written by the use case on the side (issue 11:
 * nothing writes the database outside the plan).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../../src/core/plan.js';
import { BASE_MTIME, file, options, snapshot } from './builders.js';

test('a touched file is no action, and its stat refresh is part of the plan', () => {
  const t = file('touched.txt', 'same bytes');
  const e = file('edited.txt', 'old');
  const u = file('untouched.txt', 'still');
  const s = snapshot({
    local: [t.local({ mtimeMs: BASE_MTIME + 5000 }), file('edited.txt', 'new bytes').local({ mtimeMs: BASE_MTIME + 5000 }), u.local()],
    base: [t.base(), e.base(), u.base()],
    remote: [t.remote(), e.remote(), u.remote()],
  });
  const p = plan(s, options('sync'));
  assert.deepEqual(p.actions.map((a) => `${a.type} ${a.path}`), ['upload edited.txt']);
  assert.deepEqual(p.restat.map((r) => [r.path, r.local.mtimeMs]), [['touched.txt', BASE_MTIME + 5000]]);
  // A file the scan did not hash is never taken for unchanged.
  const unhashed = plan(snapshot({ local: [t.local({ mtimeMs: BASE_MTIME + 5000, hash: false })], base: [t.base()], remote: [t.remote()] }), options('sync'));
  assert.deepEqual(unhashed.restat, []);
});
