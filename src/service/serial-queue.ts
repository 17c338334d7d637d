/** One-at-a-time execution of async tasks, for the service's stateful parts (nginx, the web console, edge reports). */

/** Runs async tasks one at a time, in call order. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every earlier one has settled (a failed task does not stop later ones). */
  run<T>(task: () => Promise<T>): Promise<T> {
    const p = this.tail.then(task);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
