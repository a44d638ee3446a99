/** What /proc tells about a process on this host: peak memory and CPU time. */

/** The 1-minute load average (other work on the machine skews every figure); "?" when unreadable. */
export function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ")[0] ?? "?";
  } catch {
    return "?";
  }
}

/** Peak resident set (VmHWM) of a live process in MB; NaN when it cannot be read. */
export function peakRssMb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU milliseconds (user + system) from a /proc stat file; NaN when it cannot be read. */
export function cpuMs(statPath: string): number {
  try {
    const fields = Deno.readTextFileSync(statPath).split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return NaN;
  }
}
