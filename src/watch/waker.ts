/** A sleep that ends early when woken (a file event arrived) or when the watcher is stopped. */
export class Waker {
  private wakeUp: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal) {}

  wait(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.signal.addEventListener('abort', done, { once: true });
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}
