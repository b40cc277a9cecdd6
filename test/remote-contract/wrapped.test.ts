/**
 * The contract through the wrapped stack lsync really uses (wrap/index.ts: retry → bandwidth
 * limit → the remote), on a directory and on s3rver, with seeded transient failures injected next
 * to the remote so that retry has work to do: every answer the contract expects must still come
 * out, exactly once, whatever the wrappers did on the way.
 */
import type { OpenedRemote } from '../../src/remote/open.js';
import type { Remote } from '../../src/remote/remote.js';
import { wrapRemote, type FaultPlan } from '../../src/remote/wrap/index.js';
import { remoteContract } from './contract.js';
import { fileTarget } from './file-target.js';
import { s3Target } from './s3-target.js';

const MiB = 1024 * 1024;

/** About one call in twelve fails before or after reaching the remote, and some listings break midway. */
const FLAKY: FaultPlan = {
  seed: 11,
  rules: [
    { op: '*', fraction: 0.05, fault: { type: 'fail' } },
    { op: '*', fraction: 0.03, fault: { type: 'fail', landed: true } },
    { op: 'list', fraction: 0.2, fault: { type: 'break-list', afterItems: 3 } },
  ],
};

function stack(remote: OpenedRemote): Remote {
  return wrapRemote(remote, { retry: { attempts: 10, baseMs: 1, maxMs: 4 }, bwlimit: 512 * MiB, faults: FLAKY });
}

remoteContract('file:// wrapped (retry, bwlimit, faults)', fileTarget, { wrap: stack });
remoteContract('s3rver wrapped (retry, bwlimit, faults)', () => s3Target('s3rver'), { wrap: stack });
