/**
 * `lsync watch` with mirrors: every batch reaches each mirror on its own queue; a mirror that cannot
 * be written is reported and retried on its own while the others keep up, then catches up.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { useWorld } from '../support/world.js';
import { startWatcher, until } from '../watch/support.js';

const WAIT = 60_000;
const world = useWorld('file');

test('watch pushes each batch to every mirror; a blocked mirror is retried on its own and catches up', async () => {
  const w = await world();
  const alice = await w.collaborator('alice');
  await alice.write('a.txt', 'first');
  const nas = join(w.tmp, 'nas');
  await mkdir(nas);
  const blocker = join(w.tmp, 'blocked');
  const far = join(blocker, 'far');
  await mkdir(far, { recursive: true });
  assert.equal((await alice.lsync('remote', 'add', 'nas', `file://${nas}`)).code, 0);
  assert.equal((await alice.lsync('remote', 'add', 'far', `file://${far}`)).code, 0);
  // Then "far" goes: a plain file where its parent folder was, so nothing can be written there until it makes way.
  await rm(blocker, { recursive: true });
  await writeFile(blocker, 'not a folder');

  const watcher = startWatcher(alice, w.env, '--delay', '0.3', '--poll', '0.3');
  try {
    await until('the first batch on nas', () => existsSync(join(nas, 'a.txt')), WAIT, watcher.log);
    await alice.write('docs/b.txt', 'second, longer');
    await until('a change on nas', async () => (await readFile(join(nas, 'docs', 'b.txt'), 'utf8').catch(() => '')) === 'second, longer', WAIT, watcher.log);
    await until('far reported', () => /mirror far: .*trying again in \d+ s/.test(watcher.log()), WAIT, watcher.log);
    assert.match(watcher.log(), /mirror nas: 1 up/);

    await rm(blocker);
    await mkdir(far, { recursive: true });
    await until('far caught up by its own retry', async () => (await readFile(join(far, 'docs', 'b.txt'), 'utf8').catch(() => '')) === 'second, longer' && existsSync(join(far, 'a.txt')), WAIT, watcher.log);
  } finally {
    assert.equal(await watcher.stop(), 0, watcher.log());
  }
  // origin got everything too, and no mirror held it back.
  await alice.assertClean();
  await alice.assertClean('--remote', 'far');
});
