/**
 * The wrappers around a Remote, assembled in one place (restic's shape): the app opens a Remote
 * and passes it through `wrapRemote()` once; nothing else stacks wrappers.
 *
 * Order, outermost first:
 *
 *     retry → bandwidth limit → faults (tests only) → the Remote
 *
 * - Faults sit next to the Remote, so every other wrapper sees injected failures exactly as it
 *   would see the service's own.
 * - The bandwidth limit is about the wire, so it sits next to it, inside retry: every attempt's
 *   bytes are paced (a re-sent put is real traffic), and a call waiting out its backoff holds no
 *   tokens. (For puts and gets the pacing travels with the call — the `throttle` in PutOptions, the
 *   wrapped body — so today the two orders pace the same bytes; keeping wire-level wrappers inside
 *   retry is the rule a concurrency limit must follow too, or a sleeping retry would hold a slot.)
 * - Retry is outermost: it decides about the whole call, and its give-up message is the one the
 *   user reads.
 */
import type { Remote } from '../remote.js';
import { withBandwidthLimit } from './bwlimit.js';
import { withFaults, type FaultPlan } from './faults.js';
import { withRetry, type RetryOptions } from './retry.js';

export { parseRate, TokenBucket, withBandwidthLimit, type TokenBucketOptions } from './bwlimit.js';
export { withCounters, type CountingRemote, type Counters, type OpCount } from './counters.js';
export { withFaults, type Fault, type FaultCall, type FaultPlan, type FaultRule, type FaultyRemote, type InjectedFault } from './faults.js';
export type { RemoteOp } from './forward.js';
export { withRetry, type RetryInfo, type RetryOptions } from './retry.js';

export interface WrapOptions {
  /** Default: retry with RetryOptions' defaults. `false`: no retry (e.g. `doctor`, which wants the first answer). */
  readonly retry?: RetryOptions | false;
  /** Bytes per second shared by all transfers (see parseRate); absent: unlimited. */
  readonly bwlimit?: number;
  /** Tests only: faults injected next to the Remote. */
  readonly faults?: FaultPlan;
}

export function wrapRemote(remote: Remote, options: WrapOptions = {}): Remote {
  let wrapped = remote;
  if (options.faults !== undefined) wrapped = withFaults(wrapped, options.faults);
  if (options.bwlimit !== undefined) wrapped = withBandwidthLimit(wrapped, options.bwlimit);
  if (options.retry !== false) wrapped = withRetry(wrapped, options.retry ?? {});
  return wrapped;
}
