/** Contract targets on real S3 servers (see test/support/servers.ts). */
import { openRemote, type ProbedCapabilities } from '../../src/remote/open.js';
import { startServer, type ServerKind } from '../support/servers.js';
import type { ContractTarget, OpenTuning } from './contract.js';

/**
 * What each server really supports, as probeCapabilities() finds it (recorded with moto 5.2.1
 * and s3rver 3.7.1): s3rver ignores If-None-Match / If-Match on writes and has no versioning API;
 * moto honours conditional puts and deletes, but not the conditions of CopyObject; versioning is off on a new bucket.
 */
export const SERVER_CAPABILITIES: Readonly<Record<ServerKind, ProbedCapabilities>> = {
  s3rver: { conditionalWrites: false, conditionalDeletes: false, conditionalCopies: false, versioning: false, serverSideCopy: true },
  moto: { conditionalWrites: true, conditionalDeletes: true, conditionalCopies: false, versioning: false, serverSideCopy: true },
};

export async function s3Target(kind: ServerKind): Promise<ContractTarget> {
  const server = await startServer(kind);
  const bucket = await server.createBucket();
  const caps = SERVER_CAPABILITIES[kind];
  let n = 0;
  const base = {
    endpoint: server.endpoint,
    region: server.region,
    provider: kind,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    conditionalWrites: caps.conditionalWrites,
    conditionalDeletes: caps.conditionalDeletes === true,
  };
  return {
    expectedCapabilities: caps,
    open: (tuning: OpenTuning = {}) => openRemote({ kind: 's3', bucket, prefix: `contract-${++n}/` }, { ...base, ...tuning }),
    openMissing: () => openRemote({ kind: 's3', bucket: 'lsync-no-such-bucket', prefix: '' }, { ...base, maxAttempts: 1 }),
    ...(kind === 's3rver'
      ? {
          // s3rver accepts only S3RVER/S3RVER; moto accepts anything, so it has no such test.
          openBadCredentials: () =>
            openRemote({ kind: 's3', bucket, prefix: 'bad/' }, {
              ...base,
              maxAttempts: 1,
              credentials: { accessKeyId: 'WRONG', secretAccessKey: 'not-the-secret' },
            }),
        }
      : {}),
    close: () => server.stop(),
  };
}
