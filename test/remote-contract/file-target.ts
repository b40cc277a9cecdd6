/** Contract target on plain directories (a fresh one per open()). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRemote } from '../../src/remote/open.js';
import type { ContractTarget } from './contract.js';

export async function fileTarget(): Promise<ContractTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'lsync-file-remote-'));
  let n = 0;
  return {
    expectedCapabilities: { conditionalWrites: true, versioning: false, serverSideCopy: true },
    open: async () => {
      const remote = await openRemote({ kind: 'file', root: join(dir, `r${++n}`) });
      await remote.createBucket();
      return remote;
    },
    openMissing: () => openRemote({ kind: 'file', root: join(dir, 'does-not-exist') }),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
