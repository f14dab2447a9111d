// Plain HTTP load from Node, the same for every server: C keep-alive connections each sending
// GET URL one after another until N requests have been answered (after W warm-up requests).
//
// Usage: node load.mjs URL [--requests N] [--connections C] [--warmup W] [--server-pid PID]
// Prints one JSON line: requests/s, p50/p99 latency in ms, non-2xx answers and errors, and with
// --server-pid the server's CPU time per request (utime+stime from /proc/PID/stat) in ms.
import { Agent, request } from 'node:http'
import { percentile, processCpuMs } from './measure.mjs'
import { parseArgs } from 'node:util'

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '1000' },
    'server-pid': { type: 'string' },
  },
})
if (positionals.length !== 1) {
  console.error('usage: node load.mjs URL [--requests N] [--connections C] [--warmup W] [--server-pid PID]')
  process.exit(2)
}
const url = new URL(positionals[0])
const connections = Number(opts.connections)
const agent = new Agent({ keepAlive: true, maxSockets: connections })

const serverCpuMs = () => processCpuMs(opts['server-pid'])

function get() {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET' }, (res) => {
      res.on('data', () => {})
      res.on('end', () => resolve(res.statusCode))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

async function run(total) {
  let next = 0
  const latencies = []
  let non2xx = 0
  let errors = 0
  async function connection() {
    while (next < total) {
      next += 1
      const started = performance.now()
      try {
        const status = await get()
        latencies.push(performance.now() - started)
        if (status < 200 || status > 299) non2xx += 1
      } catch {
        errors += 1
      }
    }
  }
  const cpuBefore = serverCpuMs()
  const started = performance.now()
  await Promise.all(Array.from({ length: connections }, connection))
  const seconds = (performance.now() - started) / 1000
  const cpuAfter = serverCpuMs()
  return { latencies, non2xx, errors, seconds, cpuMs: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore }
}

await run(Number(opts.warmup))
const requests = Number(opts.requests)
const result = await run(requests)
const sorted = result.latencies.sort((a, b) => a - b)
console.log(JSON.stringify({
  url: url.href,
  requests,
  connections,
  ok: sorted.length - result.non2xx,
  non2xx: result.non2xx,
  errors: result.errors,
  seconds: Math.round(result.seconds * 1000) / 1000,
  requestsPerSecond: Math.round(sorted.length / result.seconds),
  p50Ms: percentile(sorted, 50, 3),
  p99Ms: percentile(sorted, 99, 3),
  ...(result.cpuMs === undefined ? {} : {
    serverCpuMs: result.cpuMs,
    serverCpuMsPerRequest: Math.round((result.cpuMs / requests) * 10000) / 10000,
  }),
}))
agent.destroy()
process.exit(result.errors || result.non2xx ? 1 : 0)
