// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from '@jest/globals';
import { SerialByKey } from './serial-by-key.js';

// A task that records when it starts and ends, and finishes when told to.
function gate(log: string[], name: string): { task: () => Promise<string>; open: () => void; fail: (error: Error) => void } {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return {
    task: async () => {
      log.push(`${name} start`);
      try {
        await done;
      } finally {
        log.push(`${name} end`);
      }
      return name;
    },
    open,
    fail,
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SerialByKey', () => {
  it('runs the tasks of one key one after the other, in the order given', async () => {
    const queue = new SerialByKey();
    const log: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => gate(log, name));
    const results = [queue.run('k', a.task), queue.run('k', b.task), queue.run('k', c.task)];
    await turn();
    expect(log).toEqual(['a start']);
    c.open();
    b.open();
    await turn();
    expect(log).toEqual(['a start']);
    a.open();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('runs the tasks of other keys meanwhile', async () => {
    const queue = new SerialByKey();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const results = [queue.run('one', a.task), queue.run('two', b.task)];
    await turn();
    expect(log).toEqual(['a start', 'b start']);
    b.open();
    a.open();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b']);
  });

  it("gives a task's failure to its caller only; the next task runs", async () => {
    const queue = new SerialByKey();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const first = queue.run('k', a.task);
    const second = queue.run('k', b.task);
    a.fail(new Error('refused'));
    await expect(first).rejects.toThrow('refused');
    b.open();
    await expect(second).resolves.toBe('b');
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('holds no key once its tasks are done', async () => {
    const queue = new SerialByKey();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const results = [queue.run('k', a.task), queue.run('j', b.task)];
    expect(queue.size).toBe(2);
    a.open();
    b.fail(new Error('no'));
    await Promise.allSettled(results);
    await turn();
    expect(queue.size).toBe(0);
  });
});
