// SPDX-License-Identifier: Apache-2.0
// V8's young generation. From Node 22 on, V8 lets it grow to 64 MB per semi-space (128 MB of new
// space) under a steady request load, against 16 MB per semi-space on Node 20: an API process on
// Node 24 then peaked at 278 MB RSS instead of 221 MB, for no gain in req/s (the request objects
// die young either way). The flag only works on node's command line (or NODE_OPTIONS): V8 sizes
// the heap when the process starts. `npm start`, the image's CMD and the workers of WORKERS > 1 all
// pass it; an operator's own unit should too (`node --max-semi-space-size=16 dist/src/main.js`).
export const HEAP_FLAGS = ['--max-semi-space-size=16'] as const;

// The workers' node arguments: the primary's own, with HEAP_FLAGS unless it or NODE_OPTIONS (which
// the workers inherit, and which a command-line flag would override) already sets them.
export function workerExecArgv(primaryArgv: readonly string[], nodeOptions = ''): string[] {
  const set = [...primaryArgv, ...nodeOptions.split(/\s+/)];
  const given = (flag: string): boolean => set.some((arg) => arg.split('=')[0] === flag.split('=')[0]);
  return [...primaryArgv, ...HEAP_FLAGS.filter((flag) => !given(flag))];
}
