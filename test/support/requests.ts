/**
 * Counting the requests an S3Remote sends, by SDK command name (e.g. `HeadObjectCommand`), with a
 * middleware on its own client: observation only, every request still goes over the wire.
 */
import assert from 'node:assert/strict';
import type { S3Client } from '@aws-sdk/client-s3';
import { middlewareChanged } from '../../src/remote/s3/client.js';

/** Calls `seen` with the command name and input of every request the remote's client sends. */
export function watchRequests(remote: object, seen: (command: string, input: Readonly<Record<string, unknown>>) => void): void {
  const client = Reflect.get(remote, 'client') as S3Client | undefined;
  assert.ok(client, 'an S3Remote holds its SDK client as `client`');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = typeof args.input === 'object' && args.input !== null ? (args.input as Record<string, unknown>) : {};
      seen(context.commandName ?? '?', input);
      return next(args);
    },
    { step: 'initialize', name: `lsyncTestWatch${++watchers}` },
  );
  // Requests already sent resolved the stack without this middleware (client.ts sendCached).
  middlewareChanged(client);
}
let watchers = 0;

export function countRequests(remote: object): Map<string, number> {
  const counts = new Map<string, number>();
  watchRequests(remote, (name) => counts.set(name, (counts.get(name) ?? 0) + 1));
  return counts;
}
