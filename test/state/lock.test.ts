import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LsyncError } from '../../src/core/errors.js';
import { acquireLock, LOCK_FILE, withLock } from '../../src/state/lock.js';
import { tempMeta } from './helpers.js';

function isLocked(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof LsyncError);
    assert.equal(err.code, 'locked');
    assert.match(err.message, pattern);
    return true;
  };
}

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid;
  assert.ok(pid !== undefined);
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

test('a second acquirer is refused with the holder named; release lets it in', async () => {
  const t = await tempMeta();
  try {
    await mkdir(t.meta);
    const lock = await acquireLock(t.meta, 'sync');
    const content = JSON.parse(await readFile(join(t.meta, LOCK_FILE), 'utf8')) as Record<string, unknown>;
    assert.equal(content['pid'], process.pid);
    assert.equal(content['command'], 'sync');
    await assert.rejects(acquireLock(t.meta, 'push'), isLocked(new RegExp(`locked by lsync sync \\(pid ${process.pid} on host .+ since \\d{4}-`)));
    await lock.release();
    await lock.release(); // idempotent
    const second = await acquireLock(t.meta, 'push');
    await second.release();
    assert.deepEqual(await readdir(t.meta), []);
  } finally {
    await t.cleanup();
  }
});

test('many simultaneous acquirers: exactly one wins', async () => {
  const t = await tempMeta();
  try {
    await mkdir(t.meta);
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => acquireLock(t.meta, `c${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isLocked(/locked/)(r.reason));
  } finally {
    await t.cleanup();
  }
});

test('a lock left by a dead process on this host is taken over, once', async () => {
  const t = await tempMeta();
  try {
    await mkdir(t.meta);
    const pid = await deadPid();
    await writeFile(join(t.meta, LOCK_FILE), JSON.stringify({ pid, hostname: hostname(), command: 'sync', started: new Date().toISOString(), token: 'old' }));
    const results = await Promise.allSettled([acquireLock(t.meta, 'a'), acquireLock(t.meta, 'b'), acquireLock(t.meta, 'c')]);
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
    const lock = won[0]?.value;
    assert.ok(lock !== undefined);
    assert.equal(JSON.parse(await readFile(join(t.meta, LOCK_FILE), 'utf8')).token, lock.info.token);
    await lock.release();
    assert.deepEqual(await readdir(t.meta), [], 'no stale copies left behind');
  } finally {
    await t.cleanup();
  }
});

test('a live holder, or a dead pid on another host, is not stale', async () => {
  const t = await tempMeta();
  try {
    await mkdir(t.meta);
    const pid = await deadPid();
    await writeFile(join(t.meta, LOCK_FILE), JSON.stringify({ pid, hostname: 'elsewhere.example', command: 'pull', started: 'T' }));
    await assert.rejects(acquireLock(t.meta, 'sync'), isLocked(/lsync pull \(pid \d+ on host elsewhere\.example since T\)/));
  } finally {
    await t.cleanup();
  }
});

test('an unreadable lock is respected while young and taken over when older than a minute', async () => {
  const t = await tempMeta();
  try {
    await mkdir(t.meta);
    const path = join(t.meta, LOCK_FILE);
    await writeFile(path, '');
    await assert.rejects(acquireLock(t.meta, 'sync'), isLocked(/another lsync process/));
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const lock = await acquireLock(t.meta, 'sync');
    await lock.release();
  } finally {
    await t.cleanup();
  }
});

test('release() leaves a lock that is no longer ours; withLock releases on failure', async () => {
  const t = await tempMeta();
  try {
    await mkdir(t.meta);
    const lock = await acquireLock(t.meta, 'sync');
    const theirs = '{"pid":1,"hostname":"h","command":"x","started":"s","token":"t"}';
    await writeFile(join(t.meta, LOCK_FILE), theirs);
    await lock.release();
    assert.equal(await readFile(join(t.meta, LOCK_FILE), 'utf8'), theirs);
    await writeFile(join(t.meta, LOCK_FILE), '');
    await utimes(join(t.meta, LOCK_FILE), new Date(0), new Date(0));

    await assert.rejects(withLock(t.meta, 'sync', () => Promise.reject(new Error('boom'))), /boom/);
    assert.deepEqual(await readdir(t.meta), []);
    assert.equal(await withLock(t.meta, 'sync', () => Promise.resolve(42)), 42);
  } finally {
    await t.cleanup();
  }
});
