/**
 * A fingerprint of a remote's database files (index.yaml, journal.yaml): a long-lived session
 * compares it when it takes the lock again, and re-reads the database when another lsync process
 * wrote it in between (appending to a journal whose end it no longer knows would tear records).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_FILE, JOURNAL_FILE } from '../state/db.js';

export async function databaseStamp(stateDir: string): Promise<string> {
  const parts = await Promise.all(
    [INDEX_FILE, JOURNAL_FILE].map(async (f) => {
      try {
        const st = await stat(join(stateDir, f), { bigint: true });
        return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      } catch {
        return '-';
      }
    }),
  );
  return parts.join('|');
}
