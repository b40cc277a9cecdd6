/**
 * Scenario worlds: one remote (a file:// directory, or a bucket on a real local S3 server) and any
 * number of collaborators, each a repository bound to it, driven through the real CLI in a child
 * process (`bin/lsync.js`), exactly as a user would.
 *
 *     for (const kind of remoteKinds()) describe(kind, () => {
 *       const world = useWorld(kind);
 *       test('...', async () => {
 *         const w = await world();
 *         const alice = await w.collaborator('alice');
 *         await alice.write('a.txt', 'hello');
 *         assert.equal((await alice.lsync('sync')).code, 0);
 *       });
 *     });
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe } from 'node:test';
import { repoRoot, serverKinds, useServer, type ServerInfo, type ServerKind } from './servers.js';

export type RemoteKind = 'file' | ServerKind;

export function remoteKinds(): RemoteKind[] {
  return ['file', ...serverKinds()];
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class Collaborator {
  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  /** Run the real CLI in `cwd` (default: the repository root). */
  lsync(...args: string[]): Promise<RunResult> {
    return this.lsyncIn(this.dir, ...args);
  }

  lsyncIn(cwd: string, ...args: string[]): Promise<RunResult> {
    return runCli(cwd, args, this.env);
  }

  /** Parsed NDJSON lines of a `--json` run. */
  static json(r: { readonly stdout: string }): Record<string, unknown>[] {
    return r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** The `summary` event of a `--json` run (fails the test when there is none). */
  static summary(r: { readonly stdout: string }): Record<string, unknown> {
    const s = Collaborator.json(r).find((e) => e['type'] === 'summary');
    assert.ok(s, `no summary in ${r.stdout}`);
    return s;
  }

  /** `lsync status --json` (plus `args`) finds nothing to do here: no actions, conflicts or pending changes. */
  async assertClean(...args: string[]): Promise<void> {
    const r = await this.lsync('status', '--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    const s = Collaborator.json(r)[0];
    assert.deepEqual(s?.['actions'], [], `${this.name} is not clean: ${r.stdout}`);
    assert.deepEqual(s?.['conflicts'], [], `${this.name} has conflicts: ${r.stdout}`);
    assert.deepEqual(s?.['pending'], [], `${this.name} has pending changes: ${r.stdout}`);
  }

  abs(path: string): string {
    return join(this.dir, ...path.split('/'));
  }

  async write(path: string, content: string | Uint8Array): Promise<void> {
    await mkdir(dirname(this.abs(path)), { recursive: true });
    await writeFile(this.abs(path), content);
  }

  async read(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.abs(path), 'utf8');
    } catch {
      return undefined;
    }
  }

  async rm(path: string): Promise<void> {
    await rm(this.abs(path), { recursive: true });
  }

  /** Every file outside .lsync/, path → content. */
  async tree(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const walk = async (rel: string): Promise<void> => {
      for (const e of await readdir(join(this.dir, rel), { withFileTypes: true })) {
        const p = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.name === '.lsync') continue;
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) out[p] = await readFile(join(this.dir, p), 'utf8');
      }
    };
    await walk('');
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

export function runCli(cwd: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<RunResult> {
  const bin = join(repoRoot(), 'bin', 'lsync.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface World {
  readonly kind: RemoteKind;
  /** The remote URL every collaborator binds to. */
  readonly url: string;
  /** Environment for the CLI (credentials and endpoint for S3 servers). */
  readonly env: Readonly<Record<string, string>>;
  readonly server?: ServerInfo;
  readonly tmp: string;
  /** A new repository bound to the remote (init already run). */
  collaborator(name: string): Promise<Collaborator>;
}

let counter = 0;

/** Registers the server hooks for `kind` (call inside describe); each call of the getter makes a fresh remote. */
export function useWorld(kind: RemoteKind): () => Promise<World> {
  const server = kind === 'file' ? undefined : useServer(kind);
  // Worlds can live on tmpfs (RAM): remove them with the describe() that made them.
  const made: string[] = [];
  after(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });
  return async () => {
    const tmp = await mkdtemp(join(tmpdir(), `lsync-world-${kind}-`));
    made.push(tmp);
    let url: string;
    let env: Record<string, string> = {};
    let info: ServerInfo | undefined;
    if (server === undefined) {
      const remoteDir = join(tmp, 'remote');
      await mkdir(remoteDir);
      url = `file://${remoteDir}`;
    } else {
      info = server();
      const bucket = await info.createBucket();
      url = `s3://${bucket}/team/${++counter}`;
      env = { ...info.env };
    }
    const world: World = {
      kind,
      url,
      env,
      tmp,
      ...(info !== undefined ? { server: info } : {}),
      collaborator: async (name) => {
        const dir = join(tmp, name);
        await mkdir(dir, { recursive: true });
        const c = new Collaborator(name, dir, env);
        const r = await c.lsync('init', url);
        if (r.code !== 0) throw new Error(`init failed for ${name}: ${r.stderr}`);
        return c;
      },
    };
    return world;
  };
}

/** describe() once per remote kind. */
export function forEachRemote(title: string, body: (world: () => Promise<World>, kind: RemoteKind) => void): void {
  for (const kind of remoteKinds()) {
    describe(`${title} [${kind}]`, () => {
      body(useWorld(kind), kind);
    });
  }
}
