/**
 * Small snapshot builders for planner tests. A file's "hash" is a fake, deterministic digest of a
 * content string (not MD5: the planner only compares hashes for equality).
 */

import type { BaseEntry, LocalEntry, PlanMode, PlanOptions, RemoteEntry, Snapshot } from '../../src/core/types.js';

/** 32 hex chars from four FNV-1a passes with different seeds; plenty for test contents. */
export function fakeHash(content: string): string {
  let out = '';
  for (const seed of [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b]) {
    let h = seed >>> 0;
    for (let i = 0; i < content.length; i++) {
      h ^= content.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

export const BASE_MTIME = 1_700_000_000_000;

export interface FileBuilder {
  readonly path: string;
  readonly content: string;
  readonly hash: string;
  /** The local file; `hash: false` models a file the scanner did not hash. */
  local(over?: { mtimeMs?: number; hash?: false }): LocalEntry;
  /** The remote object; `etag` defaults to the fake hash (a single-part upload's ETag is its MD5). */
  remote(over?: { etag?: string; hashKnown?: boolean }): RemoteEntry;
  /** The base record of this content, as if last synchronised with `etag`. */
  base(over?: { etag?: string; mtimeMs?: number }): BaseEntry;
}

export function file(path: string, content: string): FileBuilder {
  const hash = fakeHash(content);
  const size = new TextEncoder().encode(content).length;
  return {
    path,
    content,
    hash,
    local(over = {}) {
      return {
        path,
        kind: 'file',
        size,
        mtimeMs: over.mtimeMs ?? BASE_MTIME,
        mode: 0o644,
        ...(over.hash === false ? {} : { hash }),
      };
    },
    remote(over = {}) {
      return {
        path,
        kind: 'file',
        size,
        etag: over.etag ?? hash,
        lastModifiedMs: BASE_MTIME,
        ...(over.hashKnown === false ? {} : { hash }),
      };
    },
    base(over = {}) {
      return {
        path,
        kind: 'file',
        size,
        hash,
        mtimeMs: over.mtimeMs ?? BASE_MTIME,
        mode: 0o644,
        etag: over.etag ?? hash,
      };
    },
  };
}

export function snapshot(sides: {
  local?: readonly LocalEntry[];
  base?: readonly BaseEntry[];
  remote?: readonly RemoteEntry[];
}): Snapshot {
  return {
    local: new Map((sides.local ?? []).map((e) => [e.path, e])),
    base: new Map((sides.base ?? []).map((e) => [e.path, e])),
    remote: new Map((sides.remote ?? []).map((e) => [e.path, e])),
  };
}

export function options(
  mode: PlanMode,
  extra: { force?: boolean; mirror?: boolean; maxDelete?: number } = {},
): PlanOptions {
  return {
    mode,
    force: extra.force ?? false,
    mirror: extra.mirror ?? false,
    ...(extra.maxDelete !== undefined ? { maxDelete: extra.maxDelete } : {}),
    maxDeleteShare: 0.5,
    maxDeleteFloor: 10,
  };
}
