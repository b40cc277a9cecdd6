/** The typed config API: validated keys, comments kept, version 1 upgraded in place, the --global layer. */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LsyncError } from '../../src/core/errors.js';
import { addRemote, getSetting, listSettings, removeRemote, renameRemote, setSetting, unsetSetting } from '../../src/state/config-edit.js';
import { loadConfig } from '../../src/state/config.js';
import { tempMeta } from './helpers.js';

const V1 = `# my notes about this repository
version: 1
remote: s3://bkt/team # the shared bucket
endpoint: http://127.0.0.1:9000
conflict: keep-both # we like copies
`;

async function repo(text = V1): Promise<{ meta: string; env: NodeJS.ProcessEnv; cleanup: () => Promise<void> }> {
  const t = await tempMeta();
  await mkdir(t.meta, { recursive: true });
  await writeFile(join(t.meta, 'config.yaml'), text);
  return { meta: t.meta, env: { HOME: t.dir, XDG_CONFIG_HOME: join(t.dir, 'xdg') }, cleanup: t.cleanup };
}

test('version 1 is read as the remote origin', async () => {
  const r = await repo();
  try {
    const cfg = await loadConfig(r.meta, r.env);
    assert.equal(cfg.origin.name, 'origin');
    assert.equal(cfg.origin.url, 's3://bkt/team');
    assert.equal(cfg.origin.endpoint, 'http://127.0.0.1:9000');
    assert.equal(cfg.origin.role, 'sync');
    assert.equal(cfg.conflict, 'keep-both');
  } finally {
    await r.cleanup();
  }
});

test('set keeps comments; a remote key upgrades version 1 to named remotes in place', async () => {
  const r = await repo();
  try {
    await setSetting({ layer: 'repo', metaDir: r.meta }, 'links', 'true');
    await setSetting({ layer: 'repo', metaDir: r.meta }, 'remote.origin.part_size', '32M');
    const text = await readFile(join(r.meta, 'config.yaml'), 'utf8');
    for (const comment of ['# my notes about this repository', '# the shared bucket', '# we like copies']) assert.ok(text.includes(comment), `${comment} kept in:\n${text}`);
    assert.match(text, /version: 2/);
    assert.match(text, /remotes:\n {2}origin:\n {4}url: s3:\/\/bkt\/team/);
    assert.match(text, /part_size: 32M/);
    const cfg = await loadConfig(r.meta, r.env);
    assert.equal(cfg.links, true);
    assert.equal(cfg.origin.partSize, 32 * 1024 * 1024);
    assert.equal(cfg.origin.endpoint, 'http://127.0.0.1:9000');
    assert.deepEqual(await getSetting({ layer: 'repo', metaDir: r.meta }, 'remote.origin.endpoint', r.env), { key: 'remote.origin.endpoint', value: 'http://127.0.0.1:9000', from: 'repo' });
  } finally {
    await r.cleanup();
  }
});

test('bad values and unknown keys are one-line usage errors naming the key and the allowed values', async () => {
  const r = await repo();
  const t = { layer: 'repo' as const, metaDir: r.meta };
  try {
    const cases: [string, string, RegExp][] = [
      ['conflict', 'newest', /^conflict: "newest" is not allowed: use one of stop, keep-both, local, remote$/],
      ['max_delete_share', '2', /^max_delete_share: .* use a number from 0 to 1$/],
      ['remote.origin.part_size', '1M', /part_size.*a size from 5 MiB/],
      ['remote.origin.url', 's3://bkt/a//b', /remote\.origin\.url/],
      ['colour', 'blue', /unknown config key "colour"/],
      ['remote.nosuch.region', 'eu-west-1', /no remote named "nosuch"/],
    ];
    for (const [key, value, message] of cases) {
      await assert.rejects(setSetting(t, key, value), (e: unknown) => e instanceof LsyncError && e.code === 'usage' && message.test(e.message) && !e.message.includes('\n'), key);
    }
    assert.equal(await readFile(join(r.meta, 'config.yaml'), 'utf8'), V1, 'nothing written');
  } finally {
    await r.cleanup();
  }
});

test('--global holds user defaults for repository keys; the repository wins; unset falls back', async () => {
  const r = await repo('version: 1\nremote: s3://bkt/team\n');
  const g = { layer: 'global' as const, env: r.env };
  const t = { layer: 'repo' as const, metaDir: r.meta };
  try {
    await setSetting(g, 'conflict', 'local');
    await setSetting(g, 'use_gitignore', 'true');
    assert.equal((await loadConfig(r.meta, r.env)).conflict, 'local');
    assert.deepEqual(await getSetting(t, 'conflict', r.env), { key: 'conflict', value: 'local', from: 'global' });
    await setSetting(t, 'conflict', 'remote');
    assert.deepEqual(await getSetting(t, 'conflict', r.env), { key: 'conflict', value: 'remote', from: 'repo' });
    assert.equal(await unsetSetting(t, 'conflict'), true);
    assert.equal(await unsetSetting(t, 'conflict'), false);
    assert.equal((await loadConfig(r.meta, r.env)).conflict, 'local');
    assert.deepEqual(await listSettings(g), [
      { key: 'conflict', value: 'local', from: 'global' },
      { key: 'use_gitignore', value: true, from: 'global' },
    ]);
    await assert.rejects(setSetting(g, 'remote.origin.region', 'x'), /not to the user's defaults/);
    assert.match(await readFile(join(r.env.XDG_CONFIG_HOME as string, 'lsync', 'config.yaml'), 'utf8'), /conflict: local/);
  } finally {
    await r.cleanup();
  }
});

test('remotes: add, rename (origin keeps its role), remove; one sync remote', async () => {
  const r = await repo();
  try {
    await addRemote(r.meta, 'backup', { url: 'file:///mnt/nas', region: 'x' });
    await assert.rejects(addRemote(r.meta, 'backup', { url: 'file:///other' }), /already exists/);
    await assert.rejects(addRemote(r.meta, 'bad/name', { url: 'file:///other' }), /remote name "bad\/name"/);
    let cfg = await loadConfig(r.meta, r.env);
    assert.deepEqual(cfg.remotes.map((x) => [x.name, x.role]), [['origin', 'sync'], ['backup', 'mirror']]);
    await renameRemote(r.meta, 'origin', 'main');
    await renameRemote(r.meta, 'backup', 'origin');
    cfg = await loadConfig(r.meta, r.env);
    assert.deepEqual(cfg.remotes.map((x) => [x.name, x.role]), [['main', 'sync'], ['origin', 'mirror']]);
    await removeRemote(r.meta, 'origin');
    cfg = await loadConfig(r.meta, r.env);
    assert.deepEqual(cfg.remotes.map((x) => x.name), ['main']);
    assert.match(await readFile(join(r.meta, 'config.yaml'), 'utf8'), /# we like copies/);
  } finally {
    await r.cleanup();
  }
});
