// SPDX-License-Identifier: Apache-2.0
// CPU time spent while a scenario runs, read from /proc (Linux): the service's process tree, every
// PostgreSQL process, and the whole machine. Divided by the requests answered, it tells where a
// request's time goes when the two cores are the limit (a profile of the service alone cannot: a
// process waiting for a core shows as time spent in whatever system call let the other run).
import { readdirSync, readFileSync } from 'node:fs';
import { processTree } from './memory.mjs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux build this runs on

// utime + stime of one process, in ticks, or 0 once it has exited; with `children`, the
// utime + stime of its children that have exited and been waited for (cutime + cstime).
function ticksOf(pid, children = false) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return children ? Number(fields[13]) + Number(fields[14]) : Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

// The PostgreSQL server's processes: the postmaster (whose parent is not a postgres process) and
// its children. The machine runs one server; a second would be counted too.
function postgresProcesses() {
  const all = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      all.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const postmasters = [...all].filter(([, ppid]) => !all.has(ppid)).map(([pid]) => pid);
  return { pids: [...all.keys()], postmasters };
}

// Ticks of the machine (every core): busy (all but idle and iowait), and all.
function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const all = fields.reduce((a, b) => a + b, 0);
  return { busy: all - fields[3] - fields[4], all };
}

function snapshot(rootPid) {
  const service = new Map(processTree(rootPid).map((pid) => [pid, ticksOf(pid)]));
  const { pids, postmasters } = postgresProcesses();
  const postgres = new Map(pids.map((pid) => [pid, ticksOf(pid)]));
  // backends that exit during the run (a pool's idle timeout, a client's disconnect) take their
  // CPU with them into the postmaster's count of its waited-for children
  const reaped = new Map(postmasters.map((pid) => [pid, ticksOf(pid, true)]));
  return { service, postgres, reaped, machine: machineTicks().busy };
}

// Ticks gained by the processes alive at the end (a process started meanwhile counts from zero).
function gained(before, afterPids) {
  let sum = 0;
  for (const pid of afterPids) sum += ticksOf(pid) - (before.get(pid) ?? 0);
  return sum;
}

// PostgreSQL's ticks over the run: those of the processes alive at the end, and those of the
// backends that exited meanwhile (their whole lifetime is in the postmaster's count, less what they
// had used before the run).
function postgresGained(before) {
  const { pids } = postgresProcesses();
  const alive = new Set(pids);
  let sum = gained(before.postgres, pids);
  for (const [pid, ticks] of before.reaped) sum += ticksOf(pid, true) - ticks;
  for (const [pid, ticks] of before.postgres) if (!alive.has(pid)) sum -= ticks;
  return sum;
}

// start() before the run; stop(requests) after it answers µs of CPU per request of each side.
export function sampleCpu(rootPid) {
  const before = snapshot(rootPid);
  return {
    stop(requests) {
      const service = gained(before.service, processTree(rootPid));
      const postgres = postgresGained(before);
      const machine = machineTicks().busy - before.machine;
      const perRequest = (ticks) => (requests > 0 ? Math.round((ticks / TICKS_PER_SECOND / requests) * 1e6) : null);
      return { serviceUs: perRequest(service), postgresUs: perRequest(postgres), machineUs: perRequest(machine) };
    },
  };
}

// Waits until the machine is quiet (its cores busy less than `busyShare` of a `windowMs` window),
// at most `timeoutMs`: what a scenario left running (a side still working off requests its load
// generator gave up on) would otherwise be measured as part of the next one. Answers the ms waited
// and whether the machine did become quiet.
export async function waitForQuiet({ busyShare = 0.15, windowMs = 500, timeoutMs = 60000 } = {}) {
  const started = Date.now();
  for (;;) {
    const from = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const to = machineTicks();
    const share = to.all > from.all ? (to.busy - from.busy) / (to.all - from.all) : 0;
    if (share < busyShare) return { waitedMs: Date.now() - started, quiet: true };
    if (Date.now() - started >= timeoutMs) return { waitedMs: Date.now() - started, quiet: false, busyShare: share };
  }
}
