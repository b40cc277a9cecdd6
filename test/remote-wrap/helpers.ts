/** Shared by the wrapper tests: real file:// remotes in temporary directories, and small readers. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after } from 'node:test';
import { openRemote, parseRemoteUrl, type OpenedRemote } from '../../src/remote/open.js';
import type { Remote } from '../../src/remote/remote.js';

export const MiB = 1024 * 1024;

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A temporary directory removed after the file's tests. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lsync-wrap-'));
  dirs.push(dir);
  return dir;
}

/** A fresh, empty file:// remote, opened the way the app opens one. */
export async function fileRemote(): Promise<OpenedRemote> {
  const remote = await openRemote(parseRemoteUrl(`file://${join(await tempDir(), 'remote')}`));
  await remote.createBucket();
  return remote;
}

export function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Put `text` at `path` (with its MD5, as the executor does). */
export async function putText(remote: Remote, path: string, text: string, options: { ifNoneMatch?: true } = {}): Promise<void> {
  const data = Buffer.from(text);
  await remote.put(path, { kind: 'bytes', data }, { meta: { md5: md5(data) }, ...options });
}

export async function listPaths(remote: Remote, under?: string): Promise<string[]> {
  const paths: string[] = [];
  for await (const o of remote.list(under)) paths.push(o.path);
  return paths;
}
