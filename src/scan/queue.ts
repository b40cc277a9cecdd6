/**
 * A work queue whose items may add more items (a directory walk), run with bounded parallelism.
 */

/**
 * Runs `visit` on every item of `initial` and every item pushed while visiting, at most
 * `concurrency` at a time. Rejects with the first error, after which nothing new starts.
 */
export function runQueue<T>(
  initial: readonly T[],
  concurrency: number,
  visit: (item: T, push: (item: T) => void) => Promise<void>,
): Promise<void> {
  const queue = [...initial];
  const limit = Math.max(1, Math.floor(concurrency));
  let active = 0;
  let failed = false;
  return new Promise<void>((resolve, reject) => {
    const push = (item: T): void => {
      queue.push(item);
    };
    const pump = (): void => {
      while (!failed && active < limit && queue.length > 0) {
        // Depth-first (pop) keeps the queue short on wide trees.
        const item = queue.pop() as T;
        active++;
        visit(item, push).then(
          () => {
            active--;
            if (active === 0 && queue.length === 0) resolve();
            else pump();
          },
          (e: unknown) => {
            failed = true;
            reject(e);
          },
        );
      }
    };
    if (queue.length === 0) resolve();
    else pump();
  });
}
