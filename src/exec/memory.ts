/**
 * Peak memory of runs that move many objects. What lsync keeps is small (the database, the plan),
 * but every S3 request leaves some 200 KB of garbage in the SDK, and with V8's default heap growth
 * a 10,000-object pull (or a watcher's burst) peaked near 190-215 MiB resident. Growing the heap
 * by at most 20 % per step collects that garbage sooner: about 50 MiB less at peak, below the raw
 * SDK's own figure (bench/RESULTS.md). Set by runs that execute something and by `watch` from its
 * start (capping only its batches left the burst's listing and plan uncapped: 205-214 MiB); a
 * one-off no-op keeps V8's defaults, as its speed is what matters there.
 *
 * V8 reads the flag each time it sizes the heap, so setting it while running takes effect.
 */
import { setFlagsFromString } from 'node:v8';

let bounded = false;

export function boundHeapGrowth(): void {
  if (bounded) return;
  bounded = true;
  setFlagsFromString('--heap-growing-percent=20');
}
