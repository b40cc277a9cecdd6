/**
 * `lsync doctor` through the real CLI against the local servers: s3rver ignores conditional writes
 * and keeps no versions, moto honours them and keeps versions once the bucket owner switches them
 * on; nothing is left under the prefix (objects, versions, delete markers, open uploads); inside a
 * repository the findings land in config.yaml; what is missing is named with its fix (exit 1).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import type { ServerInfo } from '../support/servers.js';
import { ownerClient } from '../support/foreign.js';
import { serverKinds } from '../support/servers.js';
import { runCli, useWorld, type RunResult } from '../support/world.js';

function report(r: RunResult): { capabilities: Record<string, unknown>; missing: { capability: string; fix: string }[]; recorded: unknown } {
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, r.stdout);
  const o = JSON.parse(lines[0] as string) as { type: string; capabilities: Record<string, unknown>; missing: { capability: string; fix: string }[]; recorded: unknown };
  assert.equal(o.type, 'doctor');
  return o;
}

/** Everything under `prefix`: objects, versions and delete markers (where the server lists them), open uploads. */
async function underPrefix(s: ServerInfo, bucket: string, prefix: string): Promise<string[]> {
  const c = ownerClient(s);
  try {
    const found: string[] = [];
    const objects = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    for (const o of objects.Contents ?? []) found.push(`object ${o.Key ?? ''}`);
    if (s.kind === 'moto') {
      const v = await c.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
      for (const x of v.Versions ?? []) found.push(`version ${x.Key ?? ''} ${x.VersionId ?? ''}`);
      for (const x of v.DeleteMarkers ?? []) found.push(`delete marker ${x.Key ?? ''} ${x.VersionId ?? ''}`);
      const u = await c.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
      for (const x of u.Uploads ?? []) found.push(`upload ${x.Key ?? ''}`);
    }
    return found;
  } finally {
    c.destroy();
  }
}

function bucketOf(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  assert.ok(m !== null, url);
  return { bucket: m[1] as string, prefix: `${m[2] as string}/` };
}

for (const kind of serverKinds()) {
  describe(`lsync doctor [${kind}]`, () => {
    const world = useWorld(kind);

    test('finds what the server does, leaves nothing behind, exit 0', async () => {
      const w = await world();
      const server = w.server as ServerInfo;
      const { bucket, prefix } = bucketOf(w.url);
      if (kind === 'moto') {
        const c = ownerClient(server);
        await c.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
        c.destroy();
      }
      const r = await runCli(w.tmp, ['doctor', w.url, '--json'], w.env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const caps = report(r).capabilities;
      for (const k of ['reachable', 'list', 'write', 'read', 'delete', 'multipart', 'cleanup']) assert.equal(caps[k], true, `${k}: ${r.stdout}`);
      assert.equal(caps['credentials'], 'environment');
      assert.equal(caps['clock'], 'ok');
      assert.equal(caps['feed'], 'none');
      if (kind === 's3rver') {
        assert.equal(caps['conditional_writes'], 'ignored');
        assert.equal(caps['conditional_deletes'], 'ignored');
        assert.notEqual(caps['versioning'], 'on');
      } else {
        assert.equal(caps['conditional_writes'], 'honoured');
        assert.equal(caps['conditional_deletes'], 'honoured');
        assert.equal(caps['versioning'], 'on');
      }
      assert.deepEqual(await underPrefix(server, bucket, prefix), [], 'nothing is left under the prefix');
      // The table on a terminal says the same in words.
      const t = await runCli(w.tmp, ['doctor', w.url], w.env);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, new RegExp(`conditional writes\\s+${kind === 'moto' ? 'honoured' : 'ignored'}`));
      assert.match(t.stdout, /Everything lsync needs is there/);
      assert.deepEqual(await underPrefix(server, bucket, prefix), []);
    });

    test('inside a repository the findings are recorded in config.yaml', async () => {
      const w = await world();
      const a = await w.collaborator('a');
      await a.write('x.txt', 'x');
      assert.equal((await a.lsync('sync')).code, 0);
      const { bucket } = bucketOf(w.url);
      if (kind === 'moto') {
        const c = ownerClient(w.server as ServerInfo);
        await c.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
        c.destroy();
      }
      const r = await a.lsync('doctor', '--json');
      assert.equal(r.code, 0, r.stderr);
      const o = report(r);
      assert.equal(o.capabilities['feed'], 'ok', 'the sync wrote a feed record');
      const config = await readFile(join(a.dir, '.lsync', 'config.yaml'), 'utf8');
      assert.match(config, new RegExp(`conditional_writes: ${kind === 'moto'}`));
      assert.match(config, new RegExp(`versioning: ${kind === 'moto'}`));
      assert.match(config, /^# lsync repository configuration/m, 'comments kept');
      await a.assertClean();
    });
  });
}

describe('lsync doctor [file]', () => {
  const world = useWorld('file');

  test('a directory: works, records, removes its scratch folder', async () => {
    const w = await world();
    const a = await w.collaborator('a');
    const remoteRoot = w.url.slice('file://'.length);
    const before = await readdir(join(remoteRoot, '.lsync'));
    const config = await readFile(join(a.dir, '.lsync', 'config.yaml'), 'utf8');
    assert.equal((await a.lsync('doctor', '--dry-run')).code, 0);
    assert.equal(await readFile(join(a.dir, '.lsync', 'config.yaml'), 'utf8'), config, '--dry-run records nothing');
    const r = await a.lsync('doctor', '--json');
    assert.equal(r.code, 0, r.stderr);
    const caps = report(r).capabilities;
    assert.equal(caps['write'], true);
    assert.equal(caps['credentials'], 'not-needed');
    assert.deepEqual(await readdir(join(remoteRoot, '.lsync')), before, 'no doctor-* folder left');
    assert.match(await readFile(join(a.dir, '.lsync', 'config.yaml'), 'utf8'), /conditional_writes: true/);
  });

  test('a missing directory: exit 1, names what is missing and the fix', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'lsync-doctor-'));
    const r = await runCli(tmp, ['doctor', `file://${join(tmp, 'nowhere')}`], {});
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^lsync: file:\/\/.*nowhere: reachable: directory .*nowhere does not exist; create the directory/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const j = await runCli(tmp, ['doctor', `file://${join(tmp, 'nowhere')}`, '--json'], {});
    assert.equal(j.code, 1);
    assert.equal(report(j).missing[0]?.capability, 'reachable');
  });
});
