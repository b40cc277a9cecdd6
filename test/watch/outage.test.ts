/**
 * The server gone for 20 s mid-run, with changes on both sides meanwhile: both watchers keep
 * running, back off, and catch up when it is back; nothing is lost. The outage is a TCP proxy
 * between the watchers and the real server that stops accepting (and drops its connections), so
 * the server keeps its data on every kind (moto holds it in memory).
 */
import { strict as assert } from 'node:assert';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { serverKinds } from '../support/servers.js';
import { useWorld } from '../support/world.js';
import { startWatcher, until } from './support.js';

const OUTAGE_MS = 20_000;

class Outage {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: this.target.hostname, port: Number(this.target.port) });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const addr = server.address();
    this.port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    this.server = server;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => (s === undefined ? resolve() : s.close(() => resolve())));
  }
}

for (const kind of serverKinds()) {
  describe(`server gone mid-run [${kind}]`, () => {
    const world = useWorld(kind);
    test('changes made on both sides during a 20 s outage all arrive once it is back', async () => {
      const w = await world();
      const alice = await w.collaborator('alice');
      const bob = await w.collaborator('bob');
      await alice.write('keep.txt', 'before');
      await alice.write('edit-me.txt', 'v1');
      const outage = new Outage(new URL(w.server?.endpoint ?? ''));
      await outage.up();
      const env = { ...w.env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${outage.port}` };
      const a = startWatcher(alice, env, '--delay', '0.3', '--poll', '0.5');
      const b = startWatcher(bob, env, '--delay', '0.3', '--poll', '0.5');
      const logs = (): string => `--- alice\n${a.log()}--- bob\n${b.log()}`;
      try {
        await until('the first syncs', async () => (await bob.read('edit-me.txt')) === 'v1', 30_000, logs);
        await outage.down();
        await alice.write('during/a.txt', 'written by alice while the server was away');
        await bob.write('edit-me.txt', 'v2 from bob, while away');
        await bob.rm('keep.txt');
        await new Promise((r) => setTimeout(r, OUTAGE_MS));
        assert.equal(a.child.exitCode, null, `alice's watcher exited during the outage\n${logs()}`);
        assert.equal(b.child.exitCode, null, `bob's watcher exited during the outage\n${logs()}`);
        await outage.up();
        const want = { 'during/a.txt': 'written by alice while the server was away', 'edit-me.txt': 'v2 from bob, while away' };
        await until('both caught up', async () => JSON.stringify(await alice.tree()) === JSON.stringify(want) && JSON.stringify(await bob.tree()) === JSON.stringify(want), 90_000, logs);
      } finally {
        const codes = [await a.stop(), await b.stop()];
        await outage.down();
        assert.deepEqual(codes, [0, 0], logs());
      }
      assert.match(a.log() + b.log(), /trying again|cannot read the change feed/, 'the outage was noticed and ridden out');
    });
  });
}
