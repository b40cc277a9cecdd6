/**
 * The change feed's health (src/feed/): its head readable and consistent with the records it
 * names. The feed is an optimisation (a watcher falls back to full listings), so nothing here is
 * ever "missing": a damaged feed is a note, and the next run that changes the remote repairs it.
 */
import { decodeHead, decodeRecord, FeedDamage, HEAD, recordName } from '../feed/format.js';
import { feedSpec, readSmall } from '../feed/store.js';
import { listRecords } from '../feed/writer.js';
import { openRemote, type OpenOptions, type RemoteSpec } from '../remote/open.js';
import type { Findings } from './findings.js';

export async function feedCheck(spec: RemoteSpec, options: OpenOptions, f: Findings): Promise<void> {
  const store = await openRemote(feedSpec(spec), options);
  try {
    const got = await readSmall(store, HEAD);
    const records = await listRecords(store);
    if (got === undefined) {
      if (records.length === 0) f.ok('feed', 'none', 'no run has written one yet (the first sync or push does)');
      else f.note('feed', 'damaged', `${records.length} record(s) but no head`, 'the next sync rebuilds it; watchers list in full meanwhile');
      return;
    }
    const head = decodeHead(got.bytes);
    if (head.seq > 0 && records.some((r) => r.seq === head.seq)) {
      const newest = await readSmall(store, recordName(head.seq));
      if (newest !== undefined) decodeRecord(newest.bytes, head.seq);
    }
    f.ok('feed', 'ok', `record ${head.seq}, ${records.length} kept`);
  } catch (e) {
    if (e instanceof FeedDamage) f.note('feed', 'damaged', e.message, 'the next sync rebuilds it; watchers list in full meanwhile');
    else f.note('feed', 'unreadable', (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '');
  } finally {
    await store.close();
  }
}
