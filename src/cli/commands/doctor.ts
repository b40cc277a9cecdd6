/** `lsync doctor [remote]`: what a remote can do, checked, shown and recorded. */
import { EXIT } from '../../core/errors.js';
import { defineCommand } from '../command.js';
import { remoteOverrides } from '../options.js';
import { sseSettings, withSseOptions } from '../sse-options.js';

export default defineCommand({
  command: 'doctor [remote]',
  describe: 'check what a remote allows (access, multipart, conditional writes, versioning, encryption, clock) and record it in the config',
  builder: (y) =>
    withSseOptions(y)
      .positional('remote', { type: 'string', describe: 's3://bucket/prefix, bucket/prefix or file:///abs/dir (default: this repository\'s remote)' })
      .example('lsync doctor', 'check this repository\'s remote and record what it supports in .lsync/config.yaml')
      .example('lsync doctor s3://team-docs/apollo --endpoint https://s3.eu-central-1.wasabisys.com', 'check a bucket before binding a folder to it')
      .example('lsync doctor --json | jq .capabilities', 'one boolean or word per capability'),
  run: async (args, { io, global }) => {
    // Loaded on use: it holds the AWS SDK, which no other command needs before it reaches a bucket
    // (--version, --help, completion, config and file:// runs start without it).
    const [{ missing, runDoctor }, { formatJson, formatTable }] = await Promise.all([import('../../doctor/run.js'), import('../../doctor/render.js')]);
    const encryption = sseSettings(args);
    const report = await runDoctor({
      ...(args.remote !== undefined ? { url: args.remote } : {}),
      cwd: io.cwd,
      overrides: remoteOverrides(global),
      // The flags replace the remote's encryption for this check (a bucket not bound yet has none).
      ...(encryption !== undefined ? { encryption } : {}),
      record: !global.dryRun,
    });
    if (global.json) io.stdout.write(`${formatJson(report)}\n`);
    else io.stdout.write(formatTable(report));
    const gaps = missing(report);
    for (const g of gaps) io.stderr.write(`lsync: ${report.remote}: ${g.label}: ${g.detail ?? String(g.value)}; ${g.fix ?? ''}\n`);
    return gaps.length === 0 ? EXIT.ok : EXIT.failed;
  },
});
