// SPDX-License-Identifier: Apache-2.0

// Collects positional parameters while a query is assembled: add() returns "$n".
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(initial: unknown[] = []) {
    this.values.push(...initial);
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
