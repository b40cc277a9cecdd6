/**
 * Peak memory of runs that move many objects. What lsync keeps is small (the database, the plan),
 * but every S3 request leaves some 200 KB of garbage in the SDK, and with V8's default heap growth
 * a 10,000-object pull (or a watcher's burst) peaked near 190-215 MiB resident. Growing the heap
 * by at most 20 % per step collects that garbage sooner: about 50 MiB less at peak, below the raw
 * SDK's own figure (bench/RESULTS.md). Capped while a run executes and while a watcher's batch
 * runs (its listing and plan too: capping only the execution left a burst at 205-214 MiB); V8's
 * defaults otherwise, so a no-op's speed and an idle watcher's CPU (each poll's garbage collected
 * by fewer, larger collections) do not pay for it.
 *
 * V8 reads the flag each time it sizes the heap, so setting it while running takes effect.
 */
import { setFlagsFromString } from 'node:v8';

/** Capped stretches in progress (a watcher's batch, the run it executes, its mirrors' pushes). */
let open = 0;

/** Caps the heap's growth until the function it returns is called (calling it again does nothing). */
export function boundHeapGrowth(): () => void {
  if (open++ === 0) setFlagsFromString('--heap-growing-percent=20');
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--open === 0) setFlagsFromString('--heap-growing-percent=0');
  };
}
