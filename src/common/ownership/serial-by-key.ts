// SPDX-License-Identifier: Apache-2.0

// Runs the tasks given under one key one after the other, in the order they came; tasks under
// other keys run meanwhile. Writers of one document that read it, decide and write only if nobody
// wrote in between then meet in this process's queue instead of in PostgreSQL: each reads what the
// one before it wrote, where writers racing each other would mostly find their version gone and
// start again under a row lock (more statements, and a transaction around them, for every loser).
export class SerialByKey {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    // a task's failure is its caller's; the next task runs all the same
    const result = previous ? previous.then(() => task()) : task();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  // keys with a task running or waiting (for tests: an idle queue holds none)
  get size(): number {
    return this.tails.size;
  }
}
