/**
 * `.lsync/feed.json`: this repository's side of the feed. `writer` names its records (readers skip
 * their own); `seq` is the newest record a watcher has taken into account; `listedAt` is when the
 * remote was last listed in full, and `listedSeq` the head number read just before that listing
 * (the manual commands' feed shortcut compares both, see app-feed.ts).
 * Lost or unreadable, it is rebuilt: a new writer id, and a full listing next time.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/atomic.js';

export interface FeedState {
  readonly writer: string;
  readonly seq?: number;
  readonly listedAt?: number;
  readonly listedSeq?: number;
  readonly listedHead?: string;
}

const FILE = 'feed.json';

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

/** The saved state, or undefined when there is none (or it is unreadable). */
export async function readFeedState(metaDir: string): Promise<FeedState | undefined> {
  try {
    const raw: unknown = JSON.parse(await readFile(join(metaDir, FILE), 'utf8'));
    if (raw !== null && typeof raw === 'object' && typeof (raw as Record<string, unknown>)['writer'] === 'string') {
      const o = raw as Record<string, unknown>;
      const seq = count(o['seq']);
      const listedAt = count(o['listedAt']);
      const listedSeq = count(o['listedSeq']);
      const listedHead = typeof o['listedHead'] === 'string' ? o['listedHead'] : undefined;
      return {
        writer: o['writer'] as string,
        ...(seq !== undefined ? { seq } : {}),
        ...(listedAt !== undefined ? { listedAt } : {}),
        ...(listedSeq !== undefined ? { listedSeq } : {}),
        ...(listedHead !== undefined ? { listedHead } : {}),
      };
    }
  } catch {
    // missing or unreadable
  }
  return undefined;
}

/** The state, with a writer id saved before anything is published under it. */
export async function loadFeedState(metaDir: string): Promise<FeedState> {
  const s = await readFeedState(metaDir);
  if (s !== undefined) return s;
  const fresh = { writer: randomBytes(6).toString('hex') };
  await saveFeedState(metaDir, fresh);
  return fresh;
}

export async function saveFeedState(metaDir: string, s: FeedState): Promise<void> {
  await writeFileAtomic(join(metaDir, FILE), `${JSON.stringify(s)}\n`);
}
