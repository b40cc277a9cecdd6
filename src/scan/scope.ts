/** The scopes of a scan: repository paths (files or folders) limiting what is walked. */

import { LsyncError } from '../core/errors.js';
import { META_DIR, inScope, pathProblem } from '../core/paths.js';

/**
 * Drops duplicate scopes and those inside another scope; no scopes, or '' among them, means all.
 * Scopes inside `.lsync/` are dropped, which can leave none: nothing to scan.
 */
export function normaliseScopes(scopes: readonly string[]): string[] | 'all' {
  if (scopes.length === 0) return 'all';
  const out: string[] = [];
  for (const s of [...scopes].sort()) {
    if (s === '' || s === '.') return 'all';
    if (s.split('/').includes(META_DIR)) continue; // .lsync/ is never scanned: an empty scope
    const problem = pathProblem(s);
    if (problem !== undefined) throw new LsyncError('usage', `invalid path "${s}": ${problem}`);
    if (!out.some((o) => inScope(s, o))) out.push(s);
  }
  return out;
}
