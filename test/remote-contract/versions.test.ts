/**
 * The version contract on every server lsync is tested against: a directory, s3rver (no versioning
 * API), moto with versioning off, and moto on a bucket whose owner switched versioning on through
 * the SDK; each bare and through the wrapped stack (retry, bandwidth limit, injected faults).
 */
import { PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { openRemote, type OpenedRemote } from '../../src/remote/open.js';
import type { Remote } from '../../src/remote/remote.js';
import { wrapRemote, type FaultPlan } from '../../src/remote/wrap/index.js';
import { serverKinds, startServer, type ServerKind } from '../support/servers.js';
import { fileTarget } from './file-target.js';
import { SERVER_CAPABILITIES } from './s3-target.js';
import { versionsContract, type VersionsTarget } from './versions-contract.js';

const FLAKY: FaultPlan = {
  seed: 13,
  rules: [
    { op: '*', fraction: 0.05, fault: { type: 'fail' } },
    { op: '*', fraction: 0.03, fault: { type: 'fail', landed: true } },
  ],
};

function wrapped(r: OpenedRemote): Remote {
  return wrapRemote(r, { retry: { attempts: 10, baseMs: 1, maxMs: 4 }, bwlimit: 512 * 1024 * 1024, faults: FLAKY });
}

async function dirTarget(): Promise<VersionsTarget> {
  const t = await fileTarget();
  return { open: () => t.open(), serviceVersions: false, nested: false, close: () => t.close() };
}

async function s3VersionsTarget(kind: ServerKind, versioning: boolean): Promise<VersionsTarget> {
  const server = await startServer(kind);
  const bucket = await server.createBucket();
  const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  if (versioning) {
    // The bucket's owner switches versioning on with the SDK, outside lsync.
    const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials });
    await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    client.destroy();
  }
  const caps = SERVER_CAPABILITIES[kind];
  let n = 0;
  return {
    serviceVersions: versioning,
    nested: true,
    open: () =>
      openRemote({ kind: 's3', bucket, prefix: `versions-${++n}/` }, {
        endpoint: server.endpoint,
        region: server.region,
        provider: kind,
        credentials,
        conditionalWrites: caps.conditionalWrites,
        conditionalDeletes: caps.conditionalDeletes === true,
        versioning,
      }),
    close: () => server.stop(),
  };
}

versionsContract('file://', dirTarget);
versionsContract('file:// wrapped', dirTarget, wrapped);
for (const kind of serverKinds()) {
  versionsContract(kind, () => s3VersionsTarget(kind, false));
  versionsContract(`${kind} wrapped`, () => s3VersionsTarget(kind, false), wrapped);
  if (kind === 'moto') {
    versionsContract('moto, versioning on', () => s3VersionsTarget(kind, true));
    versionsContract('moto, versioning on, wrapped', () => s3VersionsTarget(kind, true), wrapped);
  }
}
