// CPU time of a process (user + system), to say how much work each side did per request:
// on a shared 2-core machine the rate moves with the neighbours, CPU per request much less.
import { readFileSync } from "node:fs";

/** Linux reports utime and stime in USER_HZ ticks, 100 per second on every common arch. */
const TICKS_PER_SECOND = 100;

/** CPU ms used so far by a running process (Linux /proc); NaN on other systems. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined || process.platform !== "linux") return Number.NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may contain anything: skip past it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** CPU ms used so far by this process. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
