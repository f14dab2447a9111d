// What the peer benchmark's clients share: a server's CPU time and latency percentiles.
import { readFileSync } from 'node:fs'

// Clock ticks per second for /proc/PID/stat; 100 on every Linux this runs on (USER_HZ).
const CLK_TCK = 100

// The CPU time process `pid` (every thread) has used so far, in ms (utime + stime from
// /proc/PID/stat); undefined without a pid.
export function processCpuMs(pid) {
  if (!pid) return undefined
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start at state (field 3).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK
}

// The p-th percentile of ascending `sorted`, rounded to `decimals`; null when empty.
export function percentile(sorted, p, decimals) {
  if (!sorted.length) return null
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  const scale = 10 ** decimals
  return Math.round(sorted[Math.max(0, i)] * scale) / scale
}
