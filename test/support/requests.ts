/**
 * Counting the requests an S3Remote sends, by SDK command name (e.g. `HeadObjectCommand`), with a
 * middleware on its own client: observation only, every request still goes over the wire.
 */
import assert from 'node:assert/strict';
import type { S3Client } from '@aws-sdk/client-s3';

export function countRequests(remote: object): Map<string, number> {
  const counts = new Map<string, number>();
  const client = Reflect.get(remote, 'client') as S3Client | undefined;
  assert.ok(client, 'an S3Remote holds its SDK client as `client`');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'lsyncTestCounter' },
  );
  return counts;
}
