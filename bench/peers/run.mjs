// The peer benchmark: Sandbank against oidc-provider 9 (our FAPI 2.0 configuration of it in
// oidc-provider.mjs) and Stoplight Prism (mocking openapi/sandbank.json), measured in one run,
// interleaved A/B/A/B so that drift in the machine's load falls on both sides alike. Every
// measurement starts its server fresh.
//
//   npm ci --prefix bench/peers && node bench/peers/run.mjs [options]
//
// Options (defaults in brackets):
//   --sandbank PATH        the sandbank binary [$SANDBANK_BIN, else $CARGO_TARGET_DIR/release/sandbank,
//                          else target/release/sandbank]
//   --start-rounds N       cold starts of each server [7]
//   --rounds N             rounds of each flow measurement per server [3]
//   --flows N              measured flows per run [300]
//   --workers W            concurrent client workers [8]
//   --warmup K             unmeasured flows before each run [30]
//   --health-requests N    measured GET /health/live requests per run [10000]
//   --connections C        keep-alive connections for GET /health/live [8]
//   --no-prism             skip Prism (its start-up and GET /health/live)
//   --json FILE            also write every raw measurement to FILE
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')

const { values: opts } = parseArgs({
  options: {
    sandbank: { type: 'string' },
    'start-rounds': { type: 'string', default: '7' },
    rounds: { type: 'string', default: '3' },
    flows: { type: 'string', default: '300' },
    workers: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '30' },
    'health-requests': { type: 'string', default: '10000' },
    connections: { type: 'string', default: '8' },
    'no-prism': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
})

const sandbankBin = opts.sandbank ?? process.env.SANDBANK_BIN ??
  join(process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, 'target'), 'release', 'sandbank')
if (!existsSync(sandbankBin)) {
  console.error(`no sandbank binary at ${sandbankBin}: cargo build --release -p sandbank, or --sandbank PATH`)
  process.exit(2)
}
const prismBin = join(here, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js')
if (!existsSync(join(here, 'node_modules', 'oidc-provider'))) {
  console.error('the peers are not installed: npm ci --prefix bench/peers')
  process.exit(2)
}

// The three servers: how to start one on a port, the URL that answers once it is ready, and the
// scope a flow asks for (oidc-provider knows only openid; Sandbank's accounts needs a customer).
const servers = {
  sandbank: {
    label: 'Sandbank',
    command: (port) => [sandbankBin, ['serve', '--ephemeral', '--addr', `127.0.0.1:${port}`]],
    env: { SANDBANK_LOG: 'warn' },
    ready: '/health/ready',
    scope: 'openid accounts',
  },
  oidc: {
    label: 'oidc-provider',
    command: (port) => [process.execPath, [join(here, 'oidc-provider.mjs'), String(port)]],
    env: {},
    ready: '/.well-known/openid-configuration',
    scope: 'openid',
  },
  prism: {
    label: 'Prism',
    command: (port) => [process.execPath, [prismBin, 'mock', '--host', '127.0.0.1', '--port', String(port),
      '--verboseLevel', 'warn', join(root, 'openapi', 'sandbank.json')]],
    env: {},
    ready: '/health/live',
  },
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolvePort(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// Spawns a server and polls its readiness URL every 2 ms; resolves with the running server and
// the time from spawn to the first 2xx answer.
async function start(name) {
  const spec = servers[name]
  const port = await freePort()
  const [file, args] = spec.command(port)
  const url = `http://127.0.0.1:${port}`
  const started = performance.now()
  const child = spawn(file, args, {
    cwd: root,
    env: { ...process.env, ...spec.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000) })
  child.stdout.on('data', () => {})
  let exited = null
  child.on('exit', (code, signal) => { exited = { code, signal } })
  for (;;) {
    if (exited) throw new Error(`${spec.label} exited before it was ready (${JSON.stringify(exited)}): ${stderr}`)
    if (performance.now() - started > 30_000) {
      child.kill('SIGKILL')
      throw new Error(`${spec.label} not ready after 30 s: ${stderr}`)
    }
    try {
      const response = await fetch(url + spec.ready)
      await response.arrayBuffer()
      if (response.ok) break
    } catch {
      // not listening yet
    }
    await sleep(2)
  }
  const readyMs = performance.now() - started
  return { name, child, url, pid: child.pid, readyMs, stderr: () => stderr, exited: () => exited }
}

async function stop(server) {
  if (server.exited()) return
  const done = new Promise((r) => server.child.once('exit', r))
  server.child.stdin.end()
  server.child.kill('SIGTERM')
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000)
  await done
  clearTimeout(timer)
}

// Runs a Node script of this directory and parses the JSON line it prints last.
function runScript(script, args) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(here, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => { stdout += c })
    child.stderr.on('data', (c) => { stderr += c })
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop()
      try {
        resolveRun({ ...JSON.parse(line), exitCode: code })
      } catch {
        reject(new Error(`${script} ${args.join(' ')} printed no result (exit ${code}): ${stderr.slice(-2000)}`))
      }
    })
  })
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b)
  if (!s.length) return null
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const range = (xs) => {
  const s = xs.filter((x) => typeof x === 'number')
  return s.length ? [Math.min(...s), Math.max(...s)] : [null, null]
}

const raw = { startup: [], flows: [], health: [] }
const names = opts['no-prism'] ? ['sandbank', 'oidc'] : ['sandbank', 'oidc', 'prism']
const log = (...args) => console.error(...args)
const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model,
  memoryGB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadavgBefore: loadavg().map((x) => Math.round(x * 100) / 100),
  peers: {
    'oidc-provider': JSON.parse(readFileSync(join(here, 'node_modules', 'oidc-provider', 'package.json'))).version,
    '@stoplight/prism-cli': JSON.parse(readFileSync(join(here, 'node_modules', '@stoplight', 'prism-cli', 'package.json'))).version,
    'openid-client': JSON.parse(readFileSync(join(here, 'node_modules', 'openid-client', 'package.json'))).version,
  },
}
const began = performance.now()

// (a) Cold start to ready, the servers in turn each round.
for (let round = 0; round < Number(opts['start-rounds']); round += 1) {
  for (const name of names) {
    const server = await start(name)
    raw.startup.push({ server: name, round, readyMs: server.readyMs })
    await stop(server)
  }
}
log(`start-to-ready: ${names.map((n) => `${n} ${median(raw.startup.filter((r) => r.server === n).map((r) => r.readyMs)).toFixed(0)} ms`).join(', ')}`)

// (b) Full flows, new browser then returning browser, the two authorization servers in turn.
for (const reuse of [false, true]) {
  for (let round = 0; round < Number(opts.rounds); round += 1) {
    for (const name of ['sandbank', 'oidc']) {
      const server = await start(name)
      const args = [server.url, '--flows', opts.flows, '--workers', opts.workers, '--warmup', opts.warmup,
        '--scope', servers[name].scope, '--server-pid', String(server.pid)]
      if (reuse) args.push('--reuse-session')
      const result = await runScript('client.mjs', args)
      await stop(server)
      raw.flows.push({ server: name, reuse, round, ...result })
      log(`flows ${reuse ? 'returning' : 'new'} browser, ${name}: ${result.flowsPerSecond} flows/s, ` +
        `${result.serverCpuMsPerFlow} ms CPU/flow, ${result.failures} failures${result.firstError ? ` (${result.firstError})` : ''}`)
    }
  }
}

// (c) GET /health/live, Sandbank against Prism, the same load client.
if (!opts['no-prism']) {
  for (let round = 0; round < Number(opts.rounds); round += 1) {
    for (const name of ['sandbank', 'prism']) {
      const server = await start(name)
      const result = await runScript('load.mjs', [server.url + '/health/live', '--requests', opts['health-requests'],
        '--connections', opts.connections, '--server-pid', String(server.pid)])
      await stop(server)
      raw.health.push({ server: name, round, ...result })
      log(`GET /health/live, ${name}: ${result.requestsPerSecond} req/s, p99 ${result.p99Ms} ms, ` +
        `${result.serverCpuMsPerRequest} ms CPU/request, ${result.non2xx + result.errors} failed`)
    }
  }
}
machine.loadavgAfter = loadavg().map((x) => Math.round(x * 100) / 100)
machine.wallSeconds = Math.round((performance.now() - began) / 1000)

// The table: medians over the rounds (min–max in brackets), and Sandbank / peer.
const fmt = (x, digits = 1) => (x === null || x === undefined ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }))
const cell = (xs, digits) => {
  const [lo, hi] = range(xs)
  return xs.length > 1 ? `${fmt(median(xs), digits)} (${fmt(lo, digits)}–${fmt(hi, digits)})` : fmt(median(xs), digits)
}
const ratio = (a, b) => (a === null || b === null || !b ? '–' : `${fmt(a / b, 2)}×`)
const rows = []
function row(figure, peer, pick, digits, better) {
  const s = pick('sandbank')
  const p = pick(peer)
  rows.push(`| ${figure} | ${cell(s, digits)} | ${cell(p, digits)} | ${servers[peer].label} | ${ratio(median(s), median(p))} (${better}) |`)
}
const startup = (n) => raw.startup.filter((r) => r.server === n).map((r) => r.readyMs)
const flowsOf = (reuse, field) => (n) => raw.flows.filter((r) => r.server === n && r.reuse === reuse).map((r) => r[field])
const healthOf = (field) => (n) => raw.health.filter((r) => r.server === n).map((r) => r[field])

row('start to ready, ms', 'oidc', startup, 0, 'lower is better')
if (!opts['no-prism']) row('start to ready, ms', 'prism', startup, 0, 'lower is better')
for (const reuse of [false, true]) {
  const who = reuse ? 'returning browser' : 'new browser'
  row(`full flows/s, ${who}, ${opts.workers} workers`, 'oidc', flowsOf(reuse, 'flowsPerSecond'), 1, 'higher is better')
  row(`server CPU per flow, ${who}, ms`, 'oidc', flowsOf(reuse, 'serverCpuMsPerFlow'), 2, 'lower is better')
  row(`flow latency p50, ${who}, ms`, 'oidc', flowsOf(reuse, 'p50Ms'), 1, 'lower is better')
  row(`flow latency p99, ${who}, ms`, 'oidc', flowsOf(reuse, 'p99Ms'), 1, 'lower is better')
}
if (!opts['no-prism']) {
  row(`GET /health/live req/s, ${opts.connections} connections`, 'prism', healthOf('requestsPerSecond'), 0, 'higher is better')
  row('GET /health/live p50, ms', 'prism', healthOf('p50Ms'), 2, 'lower is better')
  row('GET /health/live p99, ms', 'prism', healthOf('p99Ms'), 2, 'lower is better')
  row('server CPU per GET /health/live, ms', 'prism', healthOf('serverCpuMsPerRequest'), 3, 'lower is better')
}
const failures = raw.flows.reduce((n, r) => n + (r.failures ?? 0), 0) +
  raw.health.reduce((n, r) => n + (r.non2xx ?? 0) + (r.errors ?? 0), 0)

console.log(`\nSandbank peer benchmark: ${machine.cpus} × ${machine.model}, ${machine.memoryGB} GB, Node ${machine.node}; ` +
  `load average ${machine.loadavgBefore.join(' ')} before, ${machine.loadavgAfter.join(' ')} after; ${machine.wallSeconds} s`)
console.log(`peers: oidc-provider ${machine.peers['oidc-provider']}, Prism ${machine.peers['@stoplight/prism-cli']}; ` +
  `client: openid-client ${machine.peers['openid-client']}; ${opts['start-rounds']} cold starts, ${opts.rounds} rounds × ` +
  `${opts.flows} flows (after ${opts.warmup} warm-up) per server and mode; medians (min–max)\n`)
console.log('| figure | Sandbank | peer | peer is | Sandbank / peer |')
console.log('|---|---|---|---|---|')
for (const line of rows) console.log(line)
console.log(`\nfailed flows or requests: ${failures}`)
if (opts.json) writeFileSync(opts.json, JSON.stringify({ machine, options: opts, raw }, null, 2))
process.exit(failures ? 1 : 0)
