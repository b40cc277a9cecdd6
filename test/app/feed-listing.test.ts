/**
 * Manual runs that use the change feed (app/feed-listing.ts), on both local S3 servers, through the
 * real CLI with a counting proxy in front of the server: a no-op sync with the feed allowed sends
 * no listing; another lsync's change is seen through the feed; a foreign tool's write is found
 * once the last full listing is older than the rescan period; a damaged feed means a full listing.
 */
import { strict as assert } from 'node:assert';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { foreignPut, rawS3 } from '../support/foreign.js';
import { countingProxy, type CountingProxy } from '../support/requests.js';
import { serverKinds } from '../support/servers.js';
import { runCli, useWorld, type Collaborator, type RunResult, type World } from '../support/world.js';

for (const kind of serverKinds()) {
  describe(`manual runs use the change feed [${kind}]`, () => {
    const world = useWorld(kind);
    let w: World;
    let proxy: CountingProxy;
    let a: Collaborator;
    let b: Collaborator;

    before(async () => {
      w = await world();
      const server = w.server;
      assert.ok(server);
      proxy = await countingProxy(server.endpoint);
      a = await w.collaborator('a');
      b = await w.collaborator('b');
      // A allows the feed in its config; B does not (its runs list in full, as by default).
      await appendFile(join(a.dir, '.lsync', 'config.yaml'), 'feed_listing: true\n');
    });
    after(async () => {
      await proxy.close();
    });

    /** A run of the CLI in A through the proxy: its result and the listings it sent. */
    async function counted(c: Collaborator, ...args: string[]): Promise<RunResult & { listings: number }> {
      const before = proxy.listings();
      const r = await runCli(c.dir, args, { ...w.env, AWS_ENDPOINT_URL_S3: proxy.endpoint });
      return { ...r, listings: proxy.listings() - before };
    }

    async function ok(c: Collaborator, ...args: string[]): Promise<number> {
      const r = await counted(c, ...args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.listings;
    }

    test('a no-op sync with the feed allowed sends no listing; without it, the same no-op lists', async () => {
      for (let i = 0; i < 5; i++) await a.write(`docs/f${i}.txt`, `file ${i}`);
      await ok(a, 'sync');
      assert.ok((await ok(a, 'sync')) > 0, 'no claim yet: the first run with the feed lists in full');
      const heads = proxy.seen.length;
      assert.equal(await ok(a, 'sync'), 0, 'a no-op sync with the feed allowed');
      assert.equal(await ok(a, 'status'), 0, 'status too');
      const head = proxy.seen.slice(heads).filter((r) => r.path.endsWith('/.lsync/feed/head'));
      assert.ok(head.length >= 2 && head.every((r) => r.headers['if-none-match'] !== undefined && r.status === 304), 'the head is read with a conditional GET, answered 304');
      // --json says how the remote was read, for scripts (and bench/feed-noop.ts), when the feed was allowed.
      const listingOf = (out: string): unknown => (JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { listing?: unknown }).listing;
      const viaFeed = await counted(a, 'sync', '--json');
      assert.deepEqual(listingOf(viaFeed.stdout), { kind: 'base', reason: 'the change feed is unchanged since the last full listing' });
      const statusViaFeed = await counted(a, 'status', '--json');
      assert.equal((listingOf(statusViaFeed.stdout) as { kind?: string } | undefined)?.kind, 'base');
      assert.ok((await ok(a, 'sync', '--no-use-feed')) > 0, '--no-use-feed lists in full');
      assert.equal(listingOf((await counted(a, 'sync', '--no-use-feed', '--json')).stdout), undefined, 'not said when the feed was not allowed');
      assert.ok((await ok(b, 'sync')) > 0, 'B (feed not allowed) lists in full');
      assert.ok((await ok(b, 'sync', '--use-feed')) > 0, 'B with --use-feed: no claim yet, so in full');
      assert.equal(await ok(b, 'sync', '--use-feed'), 0, 'B with --use-feed, the second time');
      await a.assertClean();
    });

    test("this repository's own changes keep the shortcut; another lsync's change is seen through the feed", async () => {
      await a.write('mine.txt', 'written by a');
      await ok(a, 'sync');
      assert.equal(await ok(a, 'sync'), 0, "only A's own record is new in the feed: no listing");
      await b.write('theirs.txt', 'written by b');
      await ok(b, 'sync');
      assert.ok((await ok(a, 'sync')) > 0, "B's record in the feed: A lists in full");
      assert.equal(await a.read('theirs.txt'), 'written by b');
      assert.equal(await ok(a, 'sync'), 0, 'and trusts the feed again afterwards');
    });

    test('a foreign write without a feed record is found once the last full listing is older than the rescan period', async () => {
      assert.equal(await ok(a, 'sync'), 0);
      await foreignPut(w, { 'foreign.txt': 'from another tool' });
      assert.equal(await ok(a, 'sync'), 0, 'the feed says nothing: no listing');
      assert.equal(await a.read('foreign.txt'), undefined, 'so the foreign write is not seen yet');
      // The claim of the last full listing, made older than rescan_interval (600 s by default).
      const claimFile = join(a.dir, '.lsync', 'remotes', 'origin', 'listing.json');
      const claim = JSON.parse(await readFile(claimFile, 'utf8')) as { at: number };
      await writeFile(claimFile, JSON.stringify({ ...claim, at: claim.at - 601_000 }));
      assert.ok((await ok(a, 'sync')) > 0, 'the listing is too old: in full');
      assert.equal(await a.read('foreign.txt'), 'from another tool');
      assert.equal(await ok(a, 'sync'), 0);
    });

    test('a damaged feed head means a full listing, and the run still succeeds', async () => {
      assert.equal(await ok(a, 'sync'), 0);
      const { client, bucket, prefix } = rawS3(w);
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}.lsync/feed/head`, Body: 'not json' }));
      } finally {
        client.destroy();
      }
      const r = await counted(a, 'sync', '--verbose');
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.listings > 0);
      assert.match(r.stderr, /remote listed in full: the change feed is damaged/);
    });
  });
}
