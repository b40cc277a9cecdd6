/**
 * `push --all` and `sync --all`: origin first (pushed, or synced both ways), then every mirror
 * side by side, each in its own session with its own base state and upload checkpoints.
 *
 * A remote that fails (unreachable, refused, some files failed) never stops the others: everything
 * that can complete does, then the run ends with the worst exit code and names each mirror that
 * failed with the command that catches it up (its base state records what it received, so the next
 * push sends only what it lacks). The repository lock is held for the whole run, so no other lsync
 * process slips in between origin and the mirrors.
 *
 * Output: origin's run renders live, as a plain push or sync does. The mirrors run at once, so each
 * one's text is gathered and printed whole when it finishes, under a `== mirror <name>` heading;
 * with --json every line streams as it comes, tagged with `"remoteName": "<name>"`.
 */
import { EXIT, LsyncError } from '../core/errors.js';
import { openRepo } from '../app/repo.js';
import type { RemoteConfig } from '../state/config.js';
import { shareLock } from '../state/shared-lock.js';
import type { CommandContext } from './command.js';
import { explain, reportError, worstExit } from './exit.js';
import type { Out } from './io.js';
import { tagJsonLines } from './render.js';

/** What this module reads of the command's arguments (sync-run.ts SyncArgs). */
interface AllArgs {
  readonly to?: string | undefined;
}

/** One remote's run as sync-run.ts does it (passed in: sync-run.ts calls this module). */
export type RunOne<A extends AllArgs> = (verb: 'push' | 'sync', args: A, ctx: CommandContext, cwd: string, stdout: Out) => Promise<number>;

interface Ran {
  readonly remote: RemoteConfig;
  readonly code: number;
  /** Why it failed, in one line (the error's message, or that some files failed). */
  readonly why?: string;
}

/** Text written while a mirror runs, printed whole once it finishes. */
class Gathered implements Out {
  private text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
  flushTo(out: Out): void {
    if (this.text !== '') out.write(this.text);
    this.text = '';
  }
}

export async function syncAll<A extends AllArgs>(verb: 'push' | 'sync', args: A, ctx: CommandContext, cwd: string, stdout: Out, one: RunOne<A>): Promise<number> {
  if (args.to !== undefined) throw new LsyncError('usage', '--all and --to do not go together', 'use `lsync push --to <name>` for one mirror, `lsync push --all` for origin and every mirror');
  const repo = await openRepo(cwd);
  const mirrors = repo.config.remotes.filter((r) => r.role === 'mirror');
  // Dry runs read only, like a plain --dry-run: they take no lock.
  const hold = ctx.global.dryRun ? undefined : await shareLock(repo.metaDir, `${verb} --all`);
  try {
    const origin = await runRemote(repo.config.origin, verb, args, ctx, cwd, stdout, one, mirrors.length > 0);
    if (origin.code === EXIT.interrupted) return origin.code;
    const ran = await Promise.all(mirrors.map((m) => runRemote(m, 'push', { ...args, to: m.name }, ctx, cwd, stdout, one, true)));
    return finish([origin, ...ran], ctx, stdout);
  } finally {
    await hold?.release();
  }
}

async function runRemote<A extends AllArgs>(remote: RemoteConfig, verb: 'push' | 'sync', args: A, ctx: CommandContext, cwd: string, stdout: Out, one: RunOne<A>, headed: boolean): Promise<Ran> {
  const g = ctx.global;
  const isOrigin = remote.role === 'sync';
  const heading = `== ${isOrigin ? 'origin' : `mirror ${remote.name}`} (${remote.url})\n`;
  // Origin streams; mirrors run at once, so each one's text is kept together.
  const gathered = isOrigin || g.json ? undefined : { out: new Gathered(), err: new Gathered() };
  const out: Out = g.json ? tagJsonLines(stdout, { remoteName: remote.name }) : (gathered?.out ?? stdout);
  const err: Out = gathered?.err ?? ctx.io.stderr;
  if (isOrigin && headed && !g.json && !g.quiet) stdout.write(heading);
  // --endpoint, --region, --profile and --provider name origin's service; a mirror keeps its own settings.
  const { endpoint: _e, region: _r, profile: _p, provider: _v, ...mirrorGlobal } = g;
  const global = isOrigin ? g : mirrorGlobal;
  const sub: CommandContext = { ...ctx, io: { ...ctx.io, stdout: out, stderr: err }, global };
  let ran: Ran;
  try {
    const code = await one(verb, args, sub, cwd, out);
    ran = { remote, code, ...(code === EXIT.failed ? { why: 'some files were not transferred (see the errors above)' } : {}) };
  } catch (e) {
    const code = reportError(e, sub.io, g.verbose, g.json, { command: verb, profile: remote.profile });
    ran = { remote, code, why: explain(e, { signal: ctx.io.signal }).message };
  }
  if (gathered !== undefined) {
    if (!g.quiet || ran.code !== EXIT.ok) stdout.write(heading);
    gathered.out.flushTo(stdout);
    gathered.err.flushTo(ctx.io.stderr);
  }
  return ran;
}

/** The worst exit code; each mirror that did not finish named, with what catches it up. */
function finish(ran: readonly Ran[], ctx: CommandContext, stdout: Out): number {
  const g = ctx.global;
  let code: number = EXIT.ok;
  for (const r of ran) code = worstExit(code, r.code);
  if (g.json) {
    stdout.write(`${JSON.stringify({ type: 'remotes', exitCode: code, remotes: ran.map((r) => ({ name: r.remote.name, role: r.remote.role === 'sync' ? 'origin' : 'mirror', exitCode: r.code, ...(r.why !== undefined ? { error: r.why } : {}) })) })}\n`);
  }
  const failed = ran.filter((r) => r.remote.role === 'mirror' && r.code !== EXIT.ok && r.code !== EXIT.conflicts && r.code !== EXIT.interrupted);
  for (const r of failed) ctx.io.stderr.write(`lsync: mirror "${r.remote.name}" (${r.remote.url}) was not brought up to date: ${r.why ?? `exit ${r.code}`}\n`);
  if (failed.length > 0 && !g.json) {
    const done = ran.filter((r) => r.code === EXIT.ok || r.code === EXIT.conflicts).map((r) => r.remote.name);
    const names = failed.map((r) => r.remote.name);
    const again = names.length === 1 ? `\`lsync push --to ${names[0] ?? ''}\` (or \`lsync push --all\`) sends it only what it lacks` : '`lsync push --all` sends each only what it lacks';
    ctx.io.stderr.write(`hint: ${done.length > 0 ? `${done.join(', ')} finished; ` : ''}once ${names.join(' and ')} ${names.length > 1 ? 'answer' : 'answers'} again, ${again}\n`);
  }
  return code;
}
