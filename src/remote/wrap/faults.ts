/**
 * Fault injection, for tests: a Remote that fails, breaks, delays or interferes with chosen calls
 * of a real Remote, so that retry, resume and race handling run against the real thing with
 * exactly the failures a test asks for.
 *
 * A plan is a list of rules. Each rule picks calls (by op, optionally path, then by their 1-based
 * number among the calls it matches, or a fraction drawn from the plan's seeded random) and does
 * one thing to them. On a call, every selecting rule applies, in this order: hooks and delays (in
 * rule order), a failure before the call, the call itself, then a failure after it, a broken body
 * or a broken listing. The optional methods are calls like the others (rules name them by op; a
 * version's body breaks like a get()'s; `path` of a discardUpload is '').
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { describeOp, RemoteError, type GetOptions, type GetResult, type PutOptions, type PutResult, type PutSource, type ListHints, type Remote, type RemoteErrorKind, type RemoteObject } from '../remote.js';
import { ForwardingRemote, pipeThrough, sleep, type CopyOptions, type DeleteOptions, type OptionalWrapping, type RemoteOp } from './forward.js';

/** The call a rule is looking at. `path` is the `under` of a listing and the source of a copy. */
export interface FaultCall {
  readonly op: RemoteOp;
  readonly path: string;
  /** 1-based number of this call among the calls the rule matched. */
  readonly n: number;
}

export type Fault =
  /** Throw RemoteError(kind, default 'transient'); with `landed`, only after the real call succeeded (a lost answer). */
  | { readonly type: 'fail'; readonly kind?: RemoteErrorKind; readonly landed?: boolean }
  /** get: the body emits RemoteError(kind) after exactly `afterBytes` bytes. */
  | { readonly type: 'break-body'; readonly afterBytes: number; readonly kind?: RemoteErrorKind }
  /** list: throws RemoteError(kind) after yielding `afterItems` objects (if the listing is that long). */
  | { readonly type: 'break-list'; readonly afterItems: number; readonly kind?: RemoteErrorKind }
  | { readonly type: 'delay'; readonly ms: number }
  /** Run before the call reaches the remote, e.g. write a competing version through another Remote. */
  | { readonly type: 'hook'; readonly run: (call: FaultCall) => Promise<void> | void };

export interface FaultRule {
  /** '*': every op. */
  readonly op: RemoteOp | '*';
  readonly path?: string | ((path: string) => boolean);
  /** Which matching calls, 1-based. Default: all (or those `fraction` draws). */
  readonly calls?: readonly number[];
  /** Each matching call with this probability, from the plan's seeded random. */
  readonly fraction?: number;
  readonly fault: Fault;
}

export interface FaultPlan {
  readonly rules: readonly FaultRule[];
  /** Seed of the random behind `fraction`. Default 1. */
  readonly seed?: number;
}

/** What was done, in order, for assertions. */
export interface InjectedFault {
  readonly op: RemoteOp;
  readonly path: string;
  readonly n: number;
  readonly type: Fault['type'];
}

export interface FaultyRemote extends Remote {
  readonly injected: readonly InjectedFault[];
}

export function withFaults(remote: Remote, plan: FaultPlan): FaultyRemote {
  return new FaultingRemote(remote, plan);
}

/** mulberry32: small, seeded, good enough to pick calls. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Selected {
  readonly call: FaultCall;
  readonly fault: Fault;
}

const FAULT_OPTIONAL: OptionalWrapping<FaultingRemote> = {
  discardUpload: (self, inner) => (checkpoint, signal) => self.around('discardUpload', '', signal, () => inner(checkpoint, signal)),
  listVersions: (self, inner) => (path, signal) => self.around('listVersions', path, signal, () => inner(path, signal)),
  getVersion: (self, inner) => (path, id, options) => self.read('getVersion', path, options?.signal, () => inner(path, id, options)),
  getIfChanged: (self, inner) => (path, etag, options) => self.around('getIfChanged', path, options?.signal, () => inner(path, etag, options)),
  keepVersion: (self, inner) => (path, ifMatch, signal, size) => self.around('keepVersion', path, signal, () => inner(path, ifMatch, signal, size)),
  pruneVersions: (self, inner) => (retention) => self.around('pruneVersions', '', retention.signal, () => inner(retention)),
};

class FaultingRemote extends ForwardingRemote<FaultingRemote> implements FaultyRemote {
  readonly injected: InjectedFault[] = [];
  private readonly rules: readonly FaultRule[];
  private readonly counts: number[];
  private readonly random: () => number;

  constructor(inner: Remote, plan: FaultPlan) {
    super(inner, FAULT_OPTIONAL);
    this.rules = plan.rules;
    this.counts = plan.rules.map(() => 0);
    this.random = seeded(plan.seed ?? 1);
  }

  private select(op: RemoteOp, path: string): Selected[] {
    const selected: Selected[] = [];
    this.rules.forEach((rule, i) => {
      if (rule.op !== '*' && rule.op !== op) return;
      if (typeof rule.path === 'string' && rule.path !== path) return;
      if (typeof rule.path === 'function' && !rule.path(path)) return;
      const n = (this.counts[i] ?? 0) + 1;
      this.counts[i] = n;
      const chosen = rule.calls !== undefined ? rule.calls.includes(n) : rule.fraction !== undefined ? this.random() < rule.fraction : true;
      if (chosen) selected.push({ call: { op, path, n }, fault: rule.fault });
    });
    return selected;
  }

  private error(call: FaultCall, kind: RemoteErrorKind | undefined, what: string): RemoteError {
    const k = kind ?? 'transient';
    return new RemoteError(k, `${describeOp(call.op, call.path, this.display)}: injected ${k} fault (${what}, call ${call.n})`, call.path);
  }

  private note(s: Selected): void {
    this.injected.push({ ...s.call, type: s.fault.type });
  }

  /** Hooks, delays and failures-before; returns what is left to do after the call. */
  private async before(op: RemoteOp, path: string, signal: AbortSignal | undefined): Promise<Selected[]> {
    const selected = this.select(op, path);
    for (const s of selected) {
      if (s.fault.type === 'hook') {
        this.note(s);
        await s.fault.run(s.call);
      } else if (s.fault.type === 'delay') {
        this.note(s);
        await sleep(s.fault.ms, signal);
      }
    }
    for (const s of selected) {
      if (s.fault.type === 'fail' && s.fault.landed !== true) {
        this.note(s);
        throw this.error(s.call, s.fault.kind, 'before the call');
      }
    }
    return selected;
  }

  /** Failures after a call that succeeded: the answer is lost. */
  private lost(selected: readonly Selected[]): void {
    for (const s of selected) {
      if (s.fault.type === 'fail' && s.fault.landed === true) {
        this.note(s);
        throw this.error(s.call, s.fault.kind, 'answer lost after the call');
      }
    }
  }

  async around<T>(op: RemoteOp, path: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const selected = await this.before(op, path, signal);
    const result = await fn();
    this.lost(selected);
    return result;
  }

  override check(): Promise<void> {
    return this.around('check', '', undefined, () => this.inner.check());
  }

  override async *list(under = '', signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject> {
    const selected = await this.before('list', under, signal);
    const breaks = selected.filter((s) => s.fault.type === 'break-list');
    let yielded = 0;
    for await (const object of this.inner.list(under, signal, hints)) {
      for (const s of breaks) {
        if (s.fault.type === 'break-list' && yielded === s.fault.afterItems) {
          this.note(s);
          throw this.error(s.call, s.fault.kind, `listing broken after ${yielded} objects`);
        }
      }
      yielded++;
      yield object;
    }
    this.lost(selected);
  }

  override stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    return this.around('stat', path, signal, () => this.inner.stat(path, signal));
  }

  override get(path: string, options?: GetOptions): Promise<GetResult> {
    return this.read('get', path, options?.signal, () => this.inner.get(path, options));
  }

  /** A call that answers with a body: failures around it, or the body broken. */
  async read(op: RemoteOp, path: string, signal: AbortSignal | undefined, fn: () => Promise<GetResult>): Promise<GetResult> {
    const selected = await this.before(op, path, signal);
    const result = await fn();
    try {
      this.lost(selected);
    } catch (err) {
      result.body.destroy();
      throw err;
    }
    const cut = selected.find((s) => s.fault.type === 'break-body');
    if (cut === undefined || cut.fault.type !== 'break-body') return result;
    this.note(cut);
    const error = this.error(cut.call, cut.fault.kind, `body broken after ${cut.fault.afterBytes} bytes`);
    return { ...result, body: breakBody(result.body, cut.fault.afterBytes, error) };
  }

  override put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    return this.around('put', path, options.signal, () => this.inner.put(path, source, options));
  }

  override copy(from: string, to: string, options?: CopyOptions): Promise<PutResult> {
    return this.around('copy', from, options?.signal, () => this.inner.copy(from, to, options));
  }

  override delete(path: string, options?: DeleteOptions): Promise<void> {
    return this.around('delete', path, options?.signal, () => this.inner.delete(path, options));
  }
}

/** `body` cut after `afterBytes` bytes, then failing with `error`. */
function breakBody(body: Readable, afterBytes: number, error: RemoteError): Readable {
  let passed = 0;
  const out = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
      const room = afterBytes - passed;
      if (chunk.byteLength < room) {
        passed += chunk.byteLength;
        done(null, chunk);
        return;
      }
      if (room > 0) this.push(chunk.subarray(0, room));
      passed = afterBytes;
      done(error);
    },
    flush(done: TransformCallback): void {
      // A body shorter than afterBytes still breaks, at its end: the point is the failure.
      done(error);
    },
  });
  return pipeThrough(body, out);
}
