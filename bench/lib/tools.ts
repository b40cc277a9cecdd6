/** The tools compared (lsync, aws, rclone, s3cmd, the raw SDK): how each pushes and pulls. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONCURRENCY, firstLine, repoRoot, which } from './util.js';
import { CASES, CaseName, Options, ToolName } from './options.js';
import { Server } from './server.js';
import { Cmd, Measured, measure } from './measure.js';

export interface Ctx {
  readonly root: string;
  readonly server: Server;
  readonly work: string;
  readonly opts: Options;
  readonly baseEnv: Readonly<Record<string, string>>;
}

export interface Tool {
  readonly name: ToolName;
  readonly label: string;
  readonly version: string;
  /** Cases this tool has (the raw SDK has no no-op or modify). */
  readonly cases: readonly CaseName[];
  /** Untimed preparation of a local folder bound to bucket/prefix (lsync init). */
  prepare?(ctx: Ctx, dir: string, bucket: string, prefix: string, logFile: string): Promise<Measured>;
  /** `kase` names the measurement (profile file names). */
  push(ctx: Ctx, dir: string, bucket: string, prefix: string, big: boolean, kase: CaseName): Cmd;
  pull(ctx: Ctx, dir: string, bucket: string, prefix: string, big: boolean, kase: CaseName): Cmd;
}

export interface Absent {
  readonly name: ToolName;
  readonly why: string;
}

export function baseEnv(server: Server, home: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    AWS_DEFAULT_REGION: server.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export function lsyncTool(root: string): Tool {
  const bin = join(root, 'bin', 'lsync.js');
  const version = (() => {
    const r = spawnSync('git', ['-C', root, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' });
    const dirty = spawnSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim() !== '';
    return `lsync ${firstLine(r.stdout ?? '')}${dirty ? ' (src/ has uncommitted changes)' : ''}`;
  })();
  const node = (ctx: Ctx, profileName: string | undefined): string[] =>
    ctx.opts.profile && profileName !== undefined
      ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', join(ctx.work, 'profiles'), '--cpu-prof-name', `${profileName}.cpuprofile`, bin]
      : [process.execPath, bin];
  const env = (ctx: Ctx): Record<string, string> => ({ ...ctx.baseEnv, LSYNC_S3_PROVIDER: ctx.server.kind });
  let seq = 0;
  return {
    name: 'lsync',
    label: 'lsync',
    version,
    cases: CASES,
    async prepare(ctx, dir, bucket, prefix, logFile) {
      await mkdir(dir, { recursive: true });
      return measure({ argv: [...node(ctx, undefined), 'init', `s3://${bucket}/${prefix}`, '--endpoint', ctx.server.endpoint], cwd: dir, env: env(ctx) }, logFile, ctx.opts.timeoutS);
    },
    push(ctx, dir, _bucket, _prefix, _big, kase) {
      return { argv: [...node(ctx, `${String(++seq).padStart(2, '0')}-${kase}`), 'push'], cwd: dir, env: env(ctx) };
    },
    pull(ctx, dir, _bucket, _prefix, _big, kase) {
      return { argv: [...node(ctx, `${String(++seq).padStart(2, '0')}-${kase}`), 'pull'], cwd: dir, env: env(ctx) };
    },
  };
}

export function awsTool(): Tool | Absent {
  // The pyenv shim is a bash script that re-resolves the interpreter on every call; use the
  // executable it resolves to, so the measurement is aws itself.
  let bin = which('aws');
  if (bin === undefined && existsSync('/root/.pyenv/shims/aws')) bin = '/root/.pyenv/shims/aws';
  if (bin === undefined) return { name: 'aws', why: '`aws` not found on PATH' };
  if (bin.includes('/.pyenv/shims/')) {
    const r = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' });
    const real = firstLine(r.stdout ?? '');
    if (r.status === 0 && real !== '' && existsSync(real)) bin = real;
  }
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return { name: 'aws', why: `\`${bin} --version\` failed: ${firstLine(v.stderr ?? '')}` };
  const awsBin = bin;
  const env = (ctx: Ctx): Record<string, string> => ({
    ...ctx.baseEnv,
    AWS_CONFIG_FILE: join(ctx.work, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(ctx.work, 'aws-credentials'),
  });
  return {
    name: 'aws',
    label: 'aws s3 sync',
    version: `${firstLine(v.stdout || v.stderr)} (${awsBin})`,
    cases: CASES,
    push(ctx, dir, bucket, prefix) {
      return { argv: [awsBin, '--endpoint-url', ctx.server.endpoint, 's3', 'sync', dir, `s3://${bucket}/${prefix}`], cwd: dir, env: env(ctx) };
    },
    pull(ctx, dir, bucket, prefix) {
      return { argv: [awsBin, '--endpoint-url', ctx.server.endpoint, 's3', 'sync', `s3://${bucket}/${prefix}`, dir], cwd: dir, env: env(ctx) };
    },
  };
}

export function rcloneTool(): Tool | Absent {
  const bin = which('rclone');
  if (bin === undefined) return { name: 'rclone', why: '`rclone` not found on PATH (apt-get install -y rclone)' };
  const v = spawnSync(bin, ['version'], { encoding: 'utf8' });
  if (v.status !== 0) return { name: 'rclone', why: `\`rclone version\` failed: ${firstLine(v.stderr ?? '')}` };
  const env = (ctx: Ctx): Record<string, string> => ({ ...ctx.baseEnv, RCLONE_CONFIG: join(ctx.work, 'rclone.conf') });
  // --fast-list: one recursive listing, like lsync and aws do. Without it rclone lists folder by
  // folder with a delimiter, and s3rver answers `prefix=small/&delimiter=/` over 1,000 keys with an
  // empty listing: the push then re-uploads everything and the pull finds nothing.
  const flags = ['--transfers', String(CONCURRENCY), '--checkers', String(CONCURRENCY), '--fast-list'];
  return {
    name: 'rclone',
    label: 'rclone',
    version: firstLine(v.stdout),
    cases: CASES,
    push(ctx, dir, bucket, prefix) {
      return { argv: [bin, 'copy', dir, `bench:${bucket}/${prefix}`, ...flags], cwd: dir, env: env(ctx) };
    },
    pull(ctx, dir, bucket, prefix) {
      return { argv: [bin, 'copy', `bench:${bucket}/${prefix}`, dir, ...flags], cwd: dir, env: env(ctx) };
    },
  };
}

export function s3cmdTool(): Tool | Absent {
  const bin = which('s3cmd');
  if (bin === undefined) return { name: 's3cmd', why: '`s3cmd` not found on PATH (apt-get install -y s3cmd)' };
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return { name: 's3cmd', why: `\`s3cmd --version\` failed: ${firstLine(v.stderr ?? '')}` };
  // Everything else (endpoint, path style, keys, no HTTPS) is in the config written by
  // writeToolConfigs; `-c` also keeps it from reading a ~/.s3cfg. s3cmd has no option for parallel
  // transfers (2.3: files one after the other, multipart parts too, "TODO use num_processes to
  // thread it" in S3/MultiPart.py), so it runs one at a time; otherwise with its defaults, as a
  // user would: size + MD5 comparison, 15 MiB multipart chunks, attributes in x-amz-meta-s3cmd-attrs.
  const config = (ctx: Ctx): string[] => ['-c', join(ctx.work, 's3cmd.cfg')];
  return {
    name: 's3cmd',
    label: 's3cmd sync',
    version: `${firstLine(v.stdout || v.stderr)} (${bin})`,
    cases: CASES,
    // The trailing slashes matter: `s3cmd sync DIR s3://B/P/` uploads to P/DIR-NAME/..., while
    // `DIR/` uploads DIR's contents, like `aws s3 sync` and `rclone copy` do.
    push(ctx, dir, bucket, prefix) {
      return { argv: [bin, ...config(ctx), 'sync', `${dir}/`, `s3://${bucket}/${prefix}`], cwd: dir, env: ctx.baseEnv };
    },
    pull(ctx, dir, bucket, prefix) {
      return { argv: [bin, ...config(ctx), 'sync', `s3://${bucket}/${prefix}`, `${dir}/`], cwd: dir, env: ctx.baseEnv };
    },
  };
}

export function rawTool(): Tool {
  const self = fileURLToPath(new URL('../run.js', import.meta.url));
  const cmd = (ctx: Ctx, mode: string, dir: string, bucket: string, prefix: string): Cmd => ({
    argv: [
      process.execPath,
      // With --profile the raw worker is profiled too: lsync's profile means most next to it.
      ...(ctx.opts.profile ? ['--cpu-prof', '--cpu-prof-dir', join(ctx.work, 'profiles'), '--cpu-prof-name', `raw-${mode}-${Date.now()}.cpuprofile`] : []),
      self, '--worker', mode, ctx.server.endpoint, bucket, prefix, dir,
    ],
    cwd: dir,
    env: ctx.baseEnv,
  });
  return {
    name: 'raw',
    label: 'raw SDK (server limit)',
    version: `@aws-sdk/client-s3 ${sdkVersion()}`,
    cases: ['push-small', 'noop', 'pull-small', 'push-big', 'pull-big'],
    push: (ctx, dir, bucket, prefix, big, kase) => cmd(ctx, kase === 'noop' ? 'raw-list' : big ? 'raw-put-big' : 'raw-put', dir, bucket, prefix),
    pull: (ctx, dir, bucket, prefix, big) => cmd(ctx, big ? 'raw-get-big' : 'raw-get', dir, bucket, prefix),
  };
}

export function sdkVersion(): string {
  try {
    const p = JSON.parse(readFileSync(join(repoRoot(), 'node_modules/@aws-sdk/client-s3/package.json'), 'utf8')) as { version?: unknown };
    return String(p.version);
  } catch {
    return '?';
  }
}

export async function writeToolConfigs(ctx: Ctx): Promise<void> {
  await writeFile(
    join(ctx.work, 'aws-config'),
    [
      '[default]',
      `region = ${ctx.server.region}`,
      // Botocore's newer default sends CRC32 trailers; local servers want plain Content-MD5.
      'request_checksum_calculation = when_required',
      'response_checksum_validation = when_required',
      's3 =',
      `  max_concurrent_requests = ${CONCURRENCY}`,
      '  addressing_style = path',
      '',
    ].join('\n'),
  );
  await writeFile(join(ctx.work, 'aws-credentials'), '');
  await writeFile(
    join(ctx.work, 'rclone.conf'),
    [
      '[bench]',
      'type = s3',
      'provider = Other',
      `access_key_id = ${ctx.server.accessKeyId}`,
      `secret_access_key = ${ctx.server.secretAccessKey}`,
      `endpoint = ${ctx.server.endpoint}`,
      `region = ${ctx.server.region}`,
      'force_path_style = true',
      // The buckets exist; rclone's CreateBucket probe gets BucketAlreadyExists from s3rver.
      'no_check_bucket = true',
      '',
    ].join('\n'),
  );
  const host = new URL(ctx.server.endpoint).host;
  await writeFile(
    join(ctx.work, 's3cmd.cfg'),
    [
      '[default]',
      `access_key = ${ctx.server.accessKeyId}`,
      `secret_key = ${ctx.server.secretAccessKey}`,
      // Empty: with a token s3cmd refreshes it from the EC2 metadata service before each request.
      'access_token =',
      `host_base = ${host}`,
      // No %(bucket)s in it: path-style requests (http://127.0.0.1:PORT/BUCKET/KEY).
      `host_bucket = ${host}`,
      'use_https = False',
      'signature_v2 = False',
      // Not the default "US": with it s3cmd first asks for the bucket's location (one more request per process).
      `bucket_location = ${ctx.server.region}`,
      '',
    ].join('\n'),
  );
}
