/**
 * `lsync trash list|restore <path>|empty [--older-than D]`: what pulls replaced or deleted on this
 * machine, kept in `.lsync/trash/` (state/trash.ts). `restore` is `lsync restore` of the newest
 * trashed copy (history/restore.ts): written as a local change, refusing to replace one never
 * synced unless --force.
 */
import { EXIT, LsyncError } from '../../core/errors.js';
import { openRepo, toScopes } from '../../app/repo.js';
import { runRestore } from '../../history/restore.js';
import { parseDuration } from '../../state/config-keys.js';
import { withLock } from '../../state/lock.js';
import { emptyTrash, listTrash, newestCopy, type TrashItem } from '../../state/trash.js';
import { defineCommand } from '../command.js';
import type { Out } from '../io.js';
import { remoteOverrides } from '../options.js';
import { formatBytes } from '../render.js';

function itemJson(i: TrashItem): Record<string, unknown> {
  return { path: i.path, id: `trash:${i.run}${i.suffix}`, when: new Date(i.whenMs).toISOString(), size: i.size };
}

function printList(items: readonly TrashItem[], json: boolean, out: Out): void {
  if (json) {
    out.write(`${JSON.stringify({ type: 'trash', items: items.map(itemJson), bytes: items.reduce((n, i) => n + i.size, 0) })}\n`);
    return;
  }
  if (items.length === 0) {
    out.write('The trash is empty.\n');
    return;
  }
  // Newest first, as `lsync log` lists versions.
  for (const i of [...items].reverse()) out.write(`${new Date(i.whenMs).toISOString().replace('.000Z', 'Z')}  ${formatBytes(i.size).padStart(10)}  ${i.path}\n`);
  out.write(`${items.length} file(s), ${formatBytes(items.reduce((n, i) => n + i.size, 0))}; lsync trash restore <path> puts the newest copy back\n`);
}

export default defineCommand({
  command: 'trash <action> [path]',
  describe: 'list, restore or empty what pulls replaced or deleted on this machine (.lsync/trash/)',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['list', 'restore', 'empty'] as const, demandOption: true, describe: 'list | restore <path> | empty' })
      .positional('path', { type: 'string', describe: 'restore: the file to put back' })
      .option('older-than', { type: 'string', describe: 'empty: only what was kept longer ago than this (30d, 12h, 2w)' })
      .option('force', { type: 'boolean', default: false, describe: 'restore: replace a local change that was never synced' })
      .example('lsync trash list', 'what pulls replaced or deleted here, newest first')
      .example('lsync trash restore notes.txt', 'the newest trashed copy back as a local change; lsync sync carries it')
      .example('lsync trash empty --older-than 7d', 'free the space of what was kept more than a week ago'),
  run: async (args, { io, global }) => {
    const repo = await openRepo(io.cwd);
    switch (args.action) {
      case 'restore': {
        if (args.path === undefined || args.path === '') throw new LsyncError('usage', 'lsync trash restore: the path is missing', 'name the file, e.g. lsync trash restore notes.txt (lsync trash list shows them)');
        const path = toScopes(repo.root, io.cwd, [args.path])[0] ?? '';
        const copy = newestCopy(await listTrash(repo.metaDir), path);
        if (copy === undefined) throw new LsyncError('usage', `${path}: not in the trash`, 'lsync trash list shows what is there; lsync log shows the remote\'s versions');
        if (global.dryRun) {
          io.stdout.write(global.json ? `${JSON.stringify({ type: 'would-restore', ...itemJson(copy) })}\n` : `would restore ${path} (${formatBytes(copy.size)}, kept ${new Date(copy.whenMs).toISOString()})\n`);
          return EXIT.ok;
        }
        const r = await runRestore({ cwd: io.cwd, path: args.path, version: `trash:${copy.run}${copy.suffix}`, force: args.force, overrides: remoteOverrides(global), concurrency: global.concurrency, ...(io.signal !== undefined ? { signal: io.signal } : {}) });
        const done = r.restored.length > 0;
        if (global.json) io.stdout.write(`${JSON.stringify({ type: 'restored', ...itemJson(copy), written: done })}\n`);
        else if (!global.quiet) io.stdout.write(done ? `restored ${path} (${formatBytes(copy.size)}, kept ${new Date(copy.whenMs).toISOString()}); run lsync sync to carry it to the remote\n` : `${path} already holds that copy: nothing to restore\n`);
        return EXIT.ok;
      }
      case 'empty': {
        let olderThan: number | undefined;
        if (args.olderThan !== undefined) {
          olderThan = parseDuration(args.olderThan);
          if (olderThan === undefined) throw new LsyncError('usage', `--older-than ${args.olderThan}: not a duration`, 'use a number and a unit: 30d, 12h, 2w, 90m');
        }
        // Under the repository's lock: a sync in progress may be filling its own trash folder.
        const removed = await withLock(repo.metaDir, 'trash empty', () => emptyTrash(repo.metaDir, olderThan, Date.now(), global.dryRun));
        if (global.json) io.stdout.write(`${JSON.stringify({ type: 'trash-emptied', files: removed.files, bytes: removed.bytes, dryRun: global.dryRun })}\n`);
        else if (!global.quiet) io.stdout.write(`${global.dryRun ? 'would remove' : 'removed'} ${removed.files} file(s), ${formatBytes(removed.bytes)} from the trash\n`);
        return EXIT.ok;
      }
      default:
        printList(await listTrash(repo.metaDir), global.json, io.stdout);
        return EXIT.ok;
    }
  },
});
