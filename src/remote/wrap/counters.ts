/**
 * Counting, for tests and benchmarks: how many calls of each op reached the wrapped Remote, and
 * how many bytes they moved. A put counts its source size when it is called (so every retried
 * attempt counts again: that is what goes over the wire); a get counts its body bytes as they are
 * read; a listing counts as one call. The optional methods are counted under their own names.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { GetOptions, GetResult, PutOptions, PutResult, PutSource, ListHints, Remote, RemoteObject } from '../remote.js';
import { ForwardingRemote, pipeThrough, REMOTE_OPS, type CopyOptions, type DeleteOptions, type OptionalWrapping, type RemoteOp } from './forward.js';

export interface OpCount {
  calls: number;
  /** put: bytes offered to send; get, getVersion, getIfChanged: body bytes received; other ops: 0. */
  bytes: number;
}

export type Counters = Readonly<Record<RemoteOp, OpCount>>;

export interface CountingRemote extends Remote {
  readonly counters: Counters;
}

export function withCounters(remote: Remote): CountingRemote {
  return new CountedRemote(remote);
}

/** Each optional call counted; a version's body bytes and a changed small object's bytes as get bytes of their own op. */
const COUNT_OPTIONAL: OptionalWrapping<CountedRemote> = {
  discardUpload: (self, inner) => (checkpoint, signal) => {
    self.counters.discardUpload.calls++;
    return inner(checkpoint, signal);
  },
  listVersions: (self, inner) => (path, signal) => {
    self.counters.listVersions.calls++;
    return inner(path, signal);
  },
  getVersion: (self, inner) => async (path, id, options) => {
    const count = self.counters.getVersion;
    count.calls++;
    const result = await inner(path, id, options);
    return { ...result, body: counted(result.body, (n) => (count.bytes += n)) };
  },
  getIfChanged: (self, inner) => async (path, etag, options) => {
    const count = self.counters.getIfChanged;
    count.calls++;
    const answer = await inner(path, etag, options);
    if (answer.state === 'changed') count.bytes += answer.data.byteLength;
    return answer;
  },
  keepVersion: (self, inner) => (path, ifMatch, signal, size) => {
    self.counters.keepVersion.calls++;
    return inner(path, ifMatch, signal, size);
  },
  pruneVersions: (self, inner) => (retention) => {
    self.counters.pruneVersions.calls++;
    return inner(retention);
  },
};

class CountedRemote extends ForwardingRemote<CountedRemote> implements CountingRemote {
  readonly counters: Record<RemoteOp, OpCount>;

  constructor(inner: Remote) {
    super(inner, COUNT_OPTIONAL);
    const counters: Partial<Record<RemoteOp, OpCount>> = {};
    for (const op of REMOTE_OPS) counters[op] = { calls: 0, bytes: 0 };
    this.counters = counters as Record<RemoteOp, OpCount>;
  }

  override check(): Promise<void> {
    this.counters.check.calls++;
    return super.check();
  }

  override list(under?: string, signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject> {
    this.counters.list.calls++;
    return super.list(under, signal, hints);
  }

  override stat(path: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    this.counters.stat.calls++;
    return super.stat(path, signal);
  }

  override async get(path: string, options?: GetOptions): Promise<GetResult> {
    this.counters.get.calls++;
    const result = await super.get(path, options);
    return { ...result, body: counted(result.body, (n) => (this.counters.get.bytes += n)) };
  }

  override put(path: string, source: PutSource, options: PutOptions): Promise<PutResult> {
    this.counters.put.calls++;
    this.counters.put.bytes += source.kind === 'file' ? source.size : source.data.byteLength;
    return super.put(path, source, options);
  }

  override copy(from: string, to: string, options?: CopyOptions): Promise<PutResult> {
    this.counters.copy.calls++;
    return super.copy(from, to, options);
  }

  override delete(path: string, options?: DeleteOptions): Promise<void> {
    this.counters.delete.calls++;
    return super.delete(path, options);
  }
}

/** `body` unchanged, telling `add` the size of each chunk that passes. */
function counted(body: Readable, add: (bytes: number) => void): Readable {
  const out = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
      add(chunk.byteLength);
      done(null, chunk);
    },
  });
  return pipeThrough(body, out);
}
