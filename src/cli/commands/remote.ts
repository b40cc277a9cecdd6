/** `lsync remote add|list|remove|rename`: the mirrors a repository pushes to, beside origin. */
import { rename, rm } from 'node:fs/promises';
import { EXIT, LsyncError } from '../../core/errors.js';
import { openRepo } from '../../app/repo.js';
import { addMirror } from '../../app/remote-add.js';
import { removeRemote, renameRemote } from '../../state/config-edit.js';
import { remoteStateDir } from '../../state/layout.js';
import { readRemoteState } from '../../state/remote-state.js';
import { defineCommand } from '../command.js';
import { sseSettings, withSseOptions } from '../sse-options.js';
import { formatBytes } from '../render/format.js';
import { pendingFor, type Pending } from '../../app/pending.js';

/** `3 to upload (1.2 MB), 1 move, 2 deletes`, or `up to date`. */
function pendingText(p: Pending): string {
  const parts = [
    ...(p.uploads > 0 ? [`${p.uploads} to upload (${formatBytes(p.bytes)})`] : []),
    ...(p.moves > 0 ? [`${p.moves} ${p.moves === 1 ? 'move' : 'moves'}`] : []),
    ...(p.deletes > 0 ? [`${p.deletes} ${p.deletes === 1 ? 'delete' : 'deletes'}`] : []),
  ];
  return parts.length > 0 ? `pending: ${parts.join(', ')}` : 'up to date';
}

export default defineCommand({
  command: 'remote <action> [name] [url]',
  describe: 'list, add, remove or rename the mirrors this repository pushes to',
  builder: (y) =>
    withSseOptions(y)
      .positional('action', { type: 'string', choices: ['list', 'add', 'remove', 'rename'] as const, demandOption: true, describe: 'list | add <name> <url> | remove <name> | rename <old> <new>' })
      .positional('name', { type: 'string', describe: 'the remote\'s name' })
      .positional('url', { type: 'string', describe: 'add: its URL; rename: the new name' })
      .option('names', { type: 'boolean', default: false, describe: 'list: the names only, one per line, without looking at the tree (for scripts and completion)' })
      .example('lsync remote add backup s3://archive/photos --endpoint https://s3.eu.example.com', 'a mirror on another service')
      .example('lsync remote add nas file:///mnt/nas/photos', 'a mirror on a NAS')
      .example('lsync remote list --json', 'every remote: role, last push, what the next push would send')
      .epilog('Pending changes are judged here, without the network: the local tree against what this repository last pushed to each remote. `lsync status --remote <name>` asks the remote itself.'),
  run: async (args, { io, global }) => {
    const repo = await openRepo(io.cwd);
    const need = (v: string | undefined, what: string): string => {
      if (v === undefined || v === '') throw new LsyncError('usage', `lsync remote ${args.action}: ${what} is missing`, 'see `lsync remote --help`');
      return v;
    };
    switch (args.action) {
      case 'add': {
        const name = need(args.name, 'the name');
        const added = await addMirror(repo, {
          name,
          url: need(args.url, 'the URL'),
          endpoint: global.endpoint,
          region: global.region,
          profile: global.profile,
          provider: global.provider,
          encryption: sseSettings(args),
          concurrency: global.concurrency,
        });
        const holds = `${added.objects} ${added.objects === 1 ? 'file' : 'files'} (${formatBytes(added.bytes)})`;
        if (global.json) io.stdout.write(`${JSON.stringify({ type: 'remote-added', name, url: added.url, role: 'mirror', objects: added.objects, bytes: added.bytes, conditionalWrites: added.caps.conditionalWrites, versioning: added.caps.versioning })}\n`);
        else if (!global.quiet) io.stdout.write(`added mirror "${name}" (${added.url}): it holds ${holds}; \`lsync push --to ${name}\` or \`lsync push --all\` sends it this folder\n`);
        return EXIT.ok;
      }
      case 'remove': {
        const name = need(args.name, 'the name');
        if (name === repo.config.origin.name) throw new LsyncError('usage', `"${name}" is the remote this repository syncs with`, 'bind another one with `lsync init <url> --force`');
        await removeRemote(repo.metaDir, name);
        // Only this repository's bookkeeping of it; nothing on the mirror is touched.
        await rm(remoteStateDir(repo.metaDir, name), { recursive: true, force: true });
        return EXIT.ok;
      }
      case 'rename': {
        const [from, to] = [need(args.name, 'the old name'), need(args.url, 'the new name')];
        await renameRemote(repo.metaDir, from, to);
        // Its base state goes with it, so the next push sends only what changed.
        await rename(remoteStateDir(repo.metaDir, from), remoteStateDir(repo.metaDir, to)).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
        return EXIT.ok;
      }
      default: {
        if (args.names) {
          const names = repo.config.remotes.map((r) => r.name);
          io.stdout.write(global.json ? `${JSON.stringify({ type: 'remote-names', names })}\n` : names.map((n) => `${n}\n`).join(''));
          return EXIT.ok;
        }
        const rows = [];
        // Judged from one walk of the local tree; the network is not asked.
        for (const { remote: r, pending } of await pendingFor(repo, repo.config.remotes, io.signal)) {
          const lastPush = (await readRemoteState(remoteStateDir(repo.metaDir, r.name))).lastPush ?? null;
          rows.push({ name: r.name, url: r.url, role: r.role === 'sync' ? 'origin' : 'mirror', lastPush, pending });
        }
        if (global.json) io.stdout.write(`${JSON.stringify({ type: 'remotes', pendingJudged: 'locally, against each remote\'s base state', remotes: rows })}\n`);
        else for (const r of rows) io.stdout.write(`${r.name}\t${r.url}\t${r.role}\t${r.lastPush ?? 'never pushed'}\t${pendingText(r.pending)}\n`);
        return EXIT.ok;
      }
    }
  },
});
