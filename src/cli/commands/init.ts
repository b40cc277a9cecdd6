/** `lsync init <remote> [dir]`: bind a folder to a remote. */
import { EXIT } from '../../core/errors.js';
import { runInit } from '../../app/init.js';
import { defineCommand } from '../command.js';
import { sseSettings, withSseOptions } from '../sse-options.js';
import { remoteOverrides } from '../options.js';
import { formatBytes } from '../render.js';

export default defineCommand({
  command: 'init <remote> [dir]',
  describe: 'create a repository bound to a remote (s3://bucket/prefix, bucket/prefix, file:///dir)',
  builder: (y) =>
    withSseOptions(y)
      .positional('remote', { type: 'string', demandOption: true, describe: 's3://bucket/prefix, bucket, bucket/prefix or file:///abs/dir' })
      .positional('dir', { type: 'string', default: '.', describe: 'the folder to make a repository (default: .)' })
      .option('create-bucket', { type: 'boolean', default: false, describe: 'create the bucket (or directory) when it does not exist' })
      .option('force', { type: 'boolean', default: false, describe: 'initialise even inside an existing repository, or re-bind this one' })
      .example('lsync init s3://team-docs/projects/apollo', 'bind the current folder to a bucket prefix')
      .example('lsync init team-docs ~/docs --endpoint http://127.0.0.1:9000', 'an S3-compatible service (MinIO, Ceph, ...)')
      .example('lsync init file:///mnt/nas/docs', 'a plain directory: a NAS, a USB disk, or a trial without a cloud account'),
  run: async (args, { io, global }) => {
    const encryption = sseSettings(args);
    const r = await runInit({
      remote: args.remote,
      dir: args.dir,
      cwd: io.cwd,
      createBucket: args.createBucket,
      force: args.force,
      overrides: remoteOverrides(global),
      ...(encryption !== undefined ? { encryption } : {}),
      concurrency: global.concurrency,
      dryRun: global.dryRun,
    });
    if (global.json) io.stdout.write(`${JSON.stringify({ type: 'init', ...r })}\n`);
    else if (!global.quiet) {
      const found = r.objects === 0 ? 'the remote is empty' : `the remote holds ${r.objects} object(s), ${formatBytes(r.bytes)}`;
      io.stdout.write(
        `${r.dryRun ? 'Would initialise' : 'Initialised'} lsync repository in ${r.root}${r.dryRun ? ' (dry run: nothing was written)' : ''}\n` +
          `Remote: ${r.remote}${r.createdBucket ? (r.dryRun ? ' (would be created)' : ' (created)') : ''}; ${found}\n` +
          `Conditional writes: ${r.conditionalWrites ? 'yes' : 'no (lsync re-checks before each write)'}; versioning: ${r.versioning ? 'on' : 'off'}\n` +
          `Next: lsync status to see what a sync would do, then lsync sync.\n`,
      );
    }
    return EXIT.ok;
  },
});
