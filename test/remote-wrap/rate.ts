/** Measuring a transfer rate with the real clock, and the acceptance bound (±15%). */
import assert from 'node:assert/strict';

/** Seconds `fn` took. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The measured rate is within 15% of `limit`; the measurement goes to the test log either way. */
export function assertRate(what: string, bytes: number, seconds: number, limit: number): void {
  const rate = bytes / seconds;
  const error = (rate - limit) / limit;
  const line = `${what}: ${(bytes / 1048576).toFixed(2)} MiB in ${seconds.toFixed(3)} s = ${(rate / 1048576).toFixed(3)} MiB/s (limit ${(limit / 1048576).toFixed(3)}, ${(error * 100).toFixed(1)}%)`;
  process.stderr.write(`${line}\n`);
  assert.ok(Math.abs(error) <= 0.15, line);
}
