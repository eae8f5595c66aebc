/**
 * @module bench/machine: the machine a run happened on, and CPU seconds and
 * peak RSS of processes, read from /proc (Linux).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  ramGiB: number;
  node: string;
  /** 1-minute load average when the run started and ended */
  loadStart: number;
  loadEnd?: number;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let kernel = '';
  try { kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(); } catch { /* not Linux */ }
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadStart: Math.round(loadavg()[0]! * 100) / 100,
    kernel,
  };
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try { ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { ticksPerSecond = 100; }
  }
  return ticksPerSecond;
}

export interface ProcSample {
  /** user + system CPU seconds since the process started (threads included) */
  cpuSeconds: number;
  rssMiB: number;
  /** VmHWM: the peak RSS (since start or the last resetPeakRss) */
  peakRssMiB: number;
}

/** Reads /proc/<pid>/stat and status; undefined when the process is gone. */
export function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the ")" of the command name: state is field 3, utime 14, stime 15
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { cpuSeconds: ticks / clockTicks(), rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Resets VmHWM of our own process (Linux ≥ 4.0: "5" > clear_refs), so a run's peak is its own. */
export function resetOwnPeakRss(): void {
  try { writeFileSync('/proc/self/clear_refs', '5'); } catch { /* not permitted: the peak then spans the whole run */ }
}

/** CPU and peak RSS of a set of processes between two points in time. */
export interface CpuMeter {
  /** CPU seconds used by each named process since `start`, with its peak RSS so far */
  read(): Record<string, { cpuSeconds: number; peakRssMiB: number }>;
}

/** `pid` and every live descendant (from /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    out.push(p);
    let tasks: string[] = [];
    try { tasks = readdirSync(`/proc/${p}/task`); } catch { return; }
    for (const t of tasks) {
      let children = '';
      try { children = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8'); } catch { continue; }
      for (const c of children.trim().split(/\s+/)) if (c) visit(Number(c));
    }
  };
  visit(pid);
  return out;
}

/**
 * CPU and peak RSS of a process with its descendants: the PyPI Ironic serves from a worker child
 * of its master process, so the master alone shows almost no CPU. A child that exits between two
 * reads takes its CPU with it; the bed's long-lived workers do not.
 */
export function sampleProcessTree(pid: number): ProcSample | undefined {
  const samples = processTree(pid).map(sampleProcess).filter((s): s is ProcSample => s !== undefined);
  if (samples.length === 0) return undefined;
  return {
    cpuSeconds: samples.reduce((a, s) => a + s.cpuSeconds, 0),
    rssMiB: samples.reduce((a, s) => a + s.rssMiB, 0),
    peakRssMiB: samples.reduce((a, s) => a + s.peakRssMiB, 0),
  };
}

export function startCpuMeter(pids: Record<string, number>): CpuMeter {
  const base = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, sampleProcessTree(pid)?.cpuSeconds ?? 0]));
  return {
    read: function read() {
      return Object.fromEntries(Object.entries(pids).map(([k, pid]) => {
        const s = sampleProcessTree(pid);
        return [k, { cpuSeconds: s ? s.cpuSeconds - base[k]! : Number.NaN, peakRssMiB: s?.peakRssMiB ?? Number.NaN }];
      }));
    },
  };
}
