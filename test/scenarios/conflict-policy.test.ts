/**
 * Issue 11 defect 6: with `conflict: keep-both` in config.yaml, `status` shows what `sync` does:
 * the conflict settled by keeping both (exit 0, naming keep-both and the conflict copy's name),
 * and `sync` does exactly that; afterwards both collaborators hold both versions.
 */
import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Collaborator, forEachRemote } from '../support/world.js';

forEachRemote('conflict policy keep-both', (world) => {
  test('status shows the conflict settled as sync settles it', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const b = await w.collaborator('b');
    await a.write('plan.txt', 'v1');
    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal((await b.lsync('sync')).code, 0);
    await a.write('plan.txt', 'edited by a');
    assert.equal((await a.lsync('sync')).code, 0);
    await b.write('plan.txt', 'edited by b, differently');
    await appendFile(b.abs('.lsync/config.yaml'), 'conflict: keep-both\n');

    const st = await b.lsync('status', '--json');
    assert.equal(st.code, 0, `settled by the policy, so no exit 3: ${st.stdout}${st.stderr}`);
    const shown = Collaborator.json(st)[0];
    assert.deepEqual(shown?.['conflicts'], []);
    const actions = shown?.['actions'] as Record<string, unknown>[];
    const keep = actions.find((x) => x['type'] === 'keep-both');
    assert.ok(keep, `status names keep-both: ${st.stdout}`);
    assert.equal(keep['path'], 'plan.txt');
    const copy = String(keep['to']);
    assert.match(copy, /^plan\.conflict-.+\.txt$/);

    const text = await b.lsync('status');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Conflicts settled by policy \(1\):\n {2}keep both +plan\.txt \(local copy → plan\.conflict-/);
    assert.doesNotMatch(text.stdout, /settle with/);

    const r = await b.lsync('sync', '--json');
    assert.equal(r.code, 0, r.stderr);
    const done = Collaborator.json(r).find((e) => e['type'] === 'done' && e['action'] === 'keep-both');
    assert.ok(done, `sync keeps both: ${r.stdout}`);
    const kept = String(done['to']);
    // Same shape of name as status showed (the time stamp may tick between the two runs).
    assert.match(kept, /^plan\.conflict-.+\.txt$/);
    assert.equal(await b.read('plan.txt'), 'edited by a');
    assert.equal(await b.read(kept), 'edited by b, differently');

    assert.equal((await a.lsync('sync')).code, 0);
    assert.equal(await a.read(kept), 'edited by b, differently');
    assert.deepEqual(await a.tree(), await b.tree());
    await a.assertClean();
    await b.assertClean();
  });
});
