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

/**
 * Samples the peak once a second until stopped (a setTimeout chain): VmHWM is gone with the process, and a
 * stack that dies (out of memory, say) must still report how high it went.
 */
export function watchPeakMemory(pid: number): { peak: () => PeakMemory; stop: () => PeakMemory } {
  let peak: PeakMemory = { stackMb: null, embeddedDatabaseMb: null };
  let timer: NodeJS.Timeout | null = null;
  const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  const sample = (): PeakMemory => {
    const now = peakMemory(pid);
    peak = {
      stackMb: max(peak.stackMb, now.stackMb),
      embeddedDatabaseMb: max(peak.embeddedDatabaseMb, now.embeddedDatabaseMb),
    };
    return peak;
  };
  const loop = () => {
    sample();
    timer = setTimeout(loop, 1000);
    timer.unref();
  };
  loop();
  return {
    peak: sample,
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = null;
      return sample();
    },
  };
}
