/** `lsync clone <remote> [dir]`: init + pull in one step, like git clone. */
import { EXIT } from '../../core/errors.js';
import { runClone } from '../../app/clone.js';
import { testFsOverride } from '../../app/fsprobe.js';
import { defineCommand } from '../command.js';
import { sseSettings, withSseOptions } from '../sse-options.js';
import { remoteOverrides } from '../options.js';
import { Reporter } from '../render.js';

export default defineCommand({
  command: 'clone <remote> [dir]',
  describe: 'make a new folder bound to a remote and pull everything into it (init + pull)',
  builder: (y) =>
    withSseOptions(y)
      .positional('remote', { type: 'string', demandOption: true, describe: 's3://bucket/prefix, bucket, bucket/prefix or file:///abs/dir' })
      .positional('dir', { type: 'string', describe: "the folder to create (default: the prefix's last part, or the bucket's name)" })
      .option('force', { type: 'boolean', default: false, describe: 'clone into a non-empty folder (identical files are adopted, differing ones become conflicts), or inside another repository' })
      .example('lsync clone s3://team-docs/projects/apollo', 'into ./apollo')
      .example('lsync clone team-docs docs --endpoint http://127.0.0.1:9000', 'from an S3-compatible service into ./docs')
      .example('lsync clone file:///mnt/nas/photos ~/photos', 'from a plain directory'),
  run: async (args, { io, global }) => {
    const reporter = new Reporter(io.stdout, io.stderr, global);
    const fsOverride = testFsOverride(io.env['LSYNC_TEST_FS']);
    const encryption = sseSettings(args);
    const r = await runClone(
      {
        remote: args.remote,
        ...(args.dir !== undefined ? { dir: args.dir } : {}),
        cwd: io.cwd,
        force: args.force,
        overrides: remoteOverrides(global),
        ...(encryption !== undefined ? { encryption } : {}),
        concurrency: global.concurrency,
        ...(io.signal !== undefined ? { signal: io.signal } : {}),
        ...(global.bwlimit !== undefined ? { bwlimit: global.bwlimit } : {}),
        ...(global.links !== undefined ? { links: global.links } : {}),
        ...(fsOverride !== undefined ? { fsOverride } : {}),
      },
      reporter.event,
    );
    if (!global.json && !global.quiet) io.stdout.write(`Cloned ${r.init.remote} into ${r.root}\n`);
    reporter.summary(r.pull);
    const res = r.pull.result;
    if (res?.interrupted === true) {
      io.stderr.write('lsync: interrupted; run `lsync pull` in the new folder to fetch the rest\n');
      return EXIT.interrupted;
    }
    if (res !== undefined && res.failed > 0) return EXIT.failed;
    return r.pull.conflicts.length > 0 ? EXIT.conflicts : EXIT.ok;
  },
});
