/**
 * The checks every remote gets, through lsync's own Remote (the code a sync runs), opened on the
 * scratch location `<prefix>.lsync/doctor-<random>/`: list, write, read back, the conditional
 * requests (the same probe `init` runs, see probe.ts), delete. Nothing outside the scratch
 * location is touched; the caller removes the scratch location whatever happens here.
 */
import type { OpenedRemote } from '../remote/open.js';
import { RemoteError } from '../remote/remote.js';
import type { Findings } from './findings.js';

const BODY = Buffer.from('lsync doctor: a scratch object, removed at once\n');
const NAME = 'scratch.txt';

function why(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

function refusedFix(what: string, remote: string): string {
  return `allow s3:${what} on ${remote}/* for these credentials (bucket policy or IAM), or use a profile that has it (--profile)`;
}

/** What the probe found, for the config (undefined when the probe could not run). */
export interface Probed {
  readonly conditionalWrites: boolean;
  readonly conditionalDeletes: boolean;
  readonly conditionalCopies: boolean;
}

async function drain(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

async function listCheck(scratch: OpenedRemote, f: Findings, display: string): Promise<void> {
  try {
    for await (const o of scratch.list('')) void o;
    f.ok('list', true);
  } catch (e) {
    f.missing('list', false, why(e), refusedFix('ListBucket', display));
  }
}

async function readCheck(scratch: OpenedRemote, f: Findings, display: string): Promise<void> {
  try {
    const { body } = await scratch.get(NAME);
    const back = await drain(body);
    if (back.equals(BODY)) f.ok('read', true);
    else f.missing('read', false, `read back ${back.length} bytes that differ from the ${BODY.length} written`, 'the service alters content: check proxies or the provider (--provider)');
  } catch (e) {
    f.missing('read', false, why(e), refusedFix('GetObject', display));
  }
}

async function conditionsCheck(scratch: OpenedRemote, f: Findings): Promise<Probed | undefined> {
  try {
    const caps = await scratch.probeCapabilities();
    // A directory remote reports only conditionalWrites: it checks deletes and copies the same local way.
    const p: Probed = {
      conditionalWrites: caps.conditionalWrites,
      conditionalDeletes: caps.conditionalDeletes ?? caps.conditionalWrites,
      conditionalCopies: caps.conditionalCopies ?? caps.conditionalWrites,
    };
    const fallback = 'lsync looks just before each such request instead (a narrow race)';
    const mark = (key: 'conditional_writes' | 'conditional_deletes' | 'conditional_copies', honoured: boolean, yes: string | undefined, no: string): void => {
      if (honoured) f.ok(key, 'honoured', yes);
      else f.note(key, 'ignored', no);
    };
    mark('conditional_writes', p.conditionalWrites, 'If-None-Match is answered with 412', `If-None-Match is ignored: ${fallback}`);
    mark('conditional_deletes', p.conditionalDeletes, 'If-Match on delete is answered with 412', fallback);
    mark('conditional_copies', p.conditionalCopies, undefined, fallback);
    return p;
  } catch (e) {
    const detail = why(e);
    for (const k of ['conditional_writes', 'conditional_deletes', 'conditional_copies'] as const) f.note(k, 'unchecked', detail);
    return undefined;
  }
}

/** Runs the access checks on `scratch`; returns the conditional-request findings for the config. */
export async function accessChecks(scratch: OpenedRemote, f: Findings, display: string): Promise<Probed | undefined> {
  await listCheck(scratch, f, display);
  try {
    await scratch.put(NAME, { kind: 'bytes', data: BODY }, { meta: {} });
    f.ok('write', true);
  } catch (e) {
    f.missing('write', false, why(e), e instanceof RemoteError && e.kind === 'auth' ? refusedFix('PutObject', display) : 'see the message; lsync needs to write objects');
    f.unchecked(['read', 'delete', 'conditional_writes', 'conditional_deletes', 'conditional_copies'], 'no object could be written');
    return undefined;
  }
  await readCheck(scratch, f, display);
  const probed = await conditionsCheck(scratch, f);
  try {
    await scratch.delete(NAME);
    const gone = (await scratch.stat(NAME)) === undefined;
    if (gone) f.ok('delete', true);
    else f.missing('delete', false, 'the object is still there after a delete', 'check the service\'s object lock or retention settings');
  } catch (e) {
    f.missing('delete', false, why(e), refusedFix('DeleteObject', display));
  }
  return probed;
}
