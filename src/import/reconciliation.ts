// SPDX-License-Identifier: Apache-2.0

// What became of each source row. read = imported + unchanged + updated + deleted + refused.
export type Outcome = 'imported' | 'unchanged' | 'updated' | 'deleted' | 'refused';
export const OUTCOMES: readonly Outcome[] = ['imported', 'unchanged', 'updated', 'deleted', 'refused'];

export type Tally = Record<Outcome | 'read', number> & { conflicts: number };

export function emptyTally(): Tally {
  return { read: 0, imported: 0, unchanged: 0, updated: 0, deleted: 0, refused: 0, conflicts: 0 };
}

export function balanced(tally: Tally): boolean {
  return tally.read === OUTCOMES.reduce((sum, outcome) => sum + tally[outcome], 0);
}

// The per-kind table the command prints, with a total line.
export function formatReconciliation(tallies: ReadonlyMap<string, Tally>, dryRun: boolean): string {
  const header = ['kind', 'read', ...OUTCOMES, 'of which conflicts'];
  const total = emptyTally();
  const lines: string[][] = [];
  for (const [kind, tally] of tallies) {
    lines.push([kind, ...[tally.read, ...OUTCOMES.map((o) => tally[o]), tally.conflicts].map(String)]);
    for (const key of Object.keys(total) as Array<keyof Tally>) total[key] += tally[key];
  }
  lines.push(['total', ...[total.read, ...OUTCOMES.map((o) => total[o]), total.conflicts].map(String)]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  const render = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const title = dryRun ? 'Reconciliation (dry run: nothing written; imported/updated say what a run would write)' : 'Reconciliation';
  return [title, render(header), ...lines.map(render)].join('\n');
}
