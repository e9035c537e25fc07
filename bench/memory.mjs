// SPDX-License-Identifier: Apache-2.0
// Memory of a process and all its descendants (a service started with worker processes counts
// as the sum of its tree), read from /proc (Linux).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

// The pid and every descendant of it, from the parent links in /proc/<pid>/stat.
export function processTree(rootPid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const tree = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift();
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

// VmRSS and VmHWM of one process in kB, or null once it has exited.
export function memoryOf(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

// Proportional set size in kB (pages shared with other processes counted in part), or 0.
function pssOf(pid) {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

// Resets the peak-RSS mark (VmHWM) of the processes, so that it covers what follows only.
// False when the kernel refuses (then VmHWM counts from the start of each process).
function resetPeaks(pids) {
  let ok = true;
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      ok = false;
    }
  }
  return ok;
}

// Samples the summed VmRSS of the tree of rootPid, and each process's own, every intervalMs until stop(); the tree itself
// is re-read every treeEveryMs (a worker may be forked or replaced meanwhile). stop() answers
// peak and mean RSS, the summed VmHWM of the processes alive at the end, in MB, and whether
// VmHWM was reset at the start (otherwise it is each process's peak since it started).
export function sampleMemory(rootPid, { intervalMs = 100, treeEveryMs = 1000 } = {}) {
  let pids = processTree(rootPid);
  let treeReadAt = Date.now();
  const hwmReset = resetPeaks(pids);
  let peakKb = 0;
  let peakPssKb = 0;
  // the largest RSS of any one process (the target is per process: with WORKERS=2, each worker)
  let peakProcessKb = 0;
  let totalKb = 0;
  let samples = 0;
  let maxProcesses = pids.length;
  const sample = () => {
    if (Date.now() - treeReadAt >= treeEveryMs) {
      const current = processTree(rootPid);
      const fresh = current.filter((pid) => !pids.includes(pid));
      if (fresh.length > 0 && hwmReset) resetPeaks(fresh);
      pids = current;
      treeReadAt = Date.now();
      maxProcesses = Math.max(maxProcesses, pids.length);
    }
    let sum = 0;
    let pss = 0;
    for (const pid of pids) {
      const rss = memoryOf(pid)?.rssKb ?? 0;
      sum += rss;
      peakProcessKb = Math.max(peakProcessKb, rss);
      pss += pssOf(pid);
    }
    peakKb = Math.max(peakKb, sum);
    peakPssKb = Math.max(peakPssKb, pss);
    totalKb += sum;
    samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      let hwmKb = 0;
      let processHwmKb = 0;
      for (const pid of processTree(rootPid)) {
        const hwm = memoryOf(pid)?.hwmKb ?? 0;
        hwmKb += hwm;
        processHwmKb = Math.max(processHwmKb, hwm);
      }
      return {
        peakRssMb: peakKb / 1024,
        // the most any one process of the tree held: sampled, and its own VmHWM (between samples too)
        peakProcessRssMb: Math.max(peakProcessKb, processHwmKb) / 1024,
        peakPssMb: peakPssKb / 1024,
        meanRssMb: samples > 0 ? totalKb / samples / 1024 : 0,
        hwmMb: hwmKb / 1024,
        hwmSinceScenarioStart: hwmReset,
        samples,
        processes: maxProcesses,
      };
    },
  };
}
