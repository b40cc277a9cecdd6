/** `lsync remote add|list|remove|rename`: the mirrors a repository pushes to, beside origin. */
import { rename, rm } from 'node:fs/promises';
import { EXIT, LsyncError } from '../../core/errors.js';
import { openRepo } from '../../app/repo.js';
import { checkRemoteUrl } from '../../app/init.js';
import { addRemote, removeRemote, renameRemote } from '../../state/config-edit.js';
import { remoteStateDir } from '../../state/layout.js';
import { readRemoteState } from '../../state/remote-state.js';
import { USER_PROVIDERS, providerNamed } from '../../remote/s3/providers.js';
import { defineCommand } from '../command.js';

/** Each remote its own service's quirks: a mirror may live on another provider than origin. */
function checkedProvider(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  const name = providerNamed(p);
  if (name === undefined) throw new LsyncError('usage', `--provider ${p}: not a provider lsync knows`, `use one of ${USER_PROVIDERS.join(', ')} (or other)`);
  return name;
}

export default defineCommand({
  command: 'remote <action> [name] [url]',
  describe: 'list, add, remove or rename the mirrors this repository pushes to',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['list', 'add', 'remove', 'rename'] as const, demandOption: true, describe: 'list | add <name> <url> | remove <name> | rename <old> <new>' })
      .positional('name', { type: 'string', describe: 'the remote\'s name' })
      .positional('url', { type: 'string', describe: 'add: its URL; rename: the new name' })
      .option('provider', { type: 'string', describe: `add: the S3 service, when its endpoint does not say (${USER_PROVIDERS.join(', ')})` })
      .example('lsync remote add backup s3://archive/photos --endpoint https://s3.eu.example.com', 'a mirror on another service')
      .example('lsync remote add nas file:///mnt/nas/photos', 'a mirror on a NAS')
      .example('lsync remote list --json', 'every remote with its role and last push'),
  run: async (args, { io, global }) => {
    const repo = await openRepo(io.cwd);
    const need = (v: string | undefined, what: string): string => {
      if (v === undefined || v === '') throw new LsyncError('usage', `lsync remote ${args.action}: ${what} is missing`, 'see `lsync remote --help`');
      return v;
    };
    switch (args.action) {
      case 'add':
        await addRemote(repo.metaDir, need(args.name, 'the name'), {
          url: checkRemoteUrl(need(args.url, 'the URL')),
          role: 'mirror',
          endpoint: global.endpoint,
          region: global.region,
          profile: global.profile,
          provider: checkedProvider(args.provider),
        });
        return EXIT.ok;
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
        const rows = await Promise.all(
          repo.config.remotes.map(async (r) => ({ name: r.name, url: r.url, role: r.role === 'sync' ? 'origin' : 'mirror', lastPush: (await readRemoteState(remoteStateDir(repo.metaDir, r.name))).lastPush ?? null })),
        );
        if (global.json) io.stdout.write(`${JSON.stringify({ type: 'remotes', remotes: rows })}\n`);
        else for (const r of rows) io.stdout.write(`${r.name}\t${r.url}\t${r.role}\t${r.lastPush ?? 'never pushed'}\n`);
        return EXIT.ok;
      }
    }
  },
});
