// Peak resident memory (VmHWM: the kernel's high-water mark of RSS) of the stack's process and, separately,
// of its child processes (the embedded database when DATABASE_URL is unset), read before each stack stops.
import { readFileSync } from 'node:fs';
import { childPids } from '@volspike/stack';

export function vmHwmMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

export interface PeakMemory {
  stackMb: number | null;
  /** the embedded database's process(es), summed; null with an external database */
  embeddedDatabaseMb: number | null;
}

export function peakMemory(pid: number): PeakMemory {
  const kids = childPids(pid)
    .map(vmHwmMb)
    .filter((v): v is number => v !== null);
  return {
    stackMb: vmHwmMb(pid),
    embeddedDatabaseMb: kids.length ? Math.round(kids.reduce((a, b) => a + b, 0) * 10) / 10 : null,
  };
}
