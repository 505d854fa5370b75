/**
 * A list that grows as a peer reports (events on a WebSocket, JSON lines of a child process) and a
 * wait for the first element that matches, woken on every push.
 */
export class GrowingList<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** Wake the waiters without a new item (e.g. another list they also read changed). */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** The first item matching `pred`, now or once pushed; rejects after `timeoutMs` with `describe()`'s message. */
  waitFor(pred: (item: T) => boolean, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.items.find(pred);
        if (hit === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(describe()));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}
