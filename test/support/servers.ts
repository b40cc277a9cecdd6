/**
 * The launcher (launch.ts) plus node:test hooks: `useServer(kind)` in a describe() starts a server
 * before its tests and stops it after them.
 */
import { after, before } from 'node:test';
import { startServer, type ServerInfo, type ServerKind } from './launch.js';

export { repoRoot, serverKinds, startServer, type LaunchOptions, type ServerInfo, type ServerKind } from './launch.js';

/**
 * Register before/after hooks in the current describe() that start and stop a server; returns a
 * getter valid inside tests.
 */
export function useServer(kind: ServerKind): () => ServerInfo {
  let info: ServerInfo | undefined;
  before(async () => {
    info = await startServer(kind);
  });
  after(async () => {
    await info?.stop();
  });
  return () => {
    if (info === undefined) throw new Error(`${kind} server not started (use the getter inside a test)`);
    return info;
  };
}
