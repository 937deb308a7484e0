// CPU time of a process, all its threads (so the SQLite worker thread counts), from /proc/<pid>/stat:
// utime + stime, in clock ticks (USER_HZ, 100 on Linux: 10 ms resolution, ±0.2 % over a 5 s window at
// full load). Read by the orchestrator, so measuring costs the measured process nothing.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // getconf missing: Linux's USER_HZ is 100 on every architecture Node runs on.
}

/** Microseconds of CPU (user + system, all threads) the process `pid` has used so far. */
export function cpuMicrosOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) / ticksPerSecond) * 1e6;
}

/** Whether `taskset` is there to pin processes to CPUs. */
export function hasTaskset() {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of `pid` to the CPUs in `list` (e.g. "0" or "1-3"). */
export function pin(pid, list) {
  execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
}
