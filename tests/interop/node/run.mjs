// Starts `sandbank serve` (SANDBANK_BIN, default target/debug/sandbank) on a free loopback port
// with an in-memory database and headless consent, waits for its ready line, runs flow.mjs
// against its issuer (with the ready line's url and adminKey in SANDBANK_URL and
// SANDBANK_ADMIN_KEY), and stops it. With --tls, the generated CA is trusted through
// NODE_EXTRA_CA_CERTS (never by turning TLS checks off).
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const binary = process.env.SANDBANK_BIN ?? 'target/debug/sandbank'
const extra = process.argv.slice(2) // e.g. --tls
if (extra.includes('--tls')) extra.push('--tls-ca-file', join(mkdtempSync(join(tmpdir(), 'sandbank-ca-')), 'ca.pem'))
const server = spawn(binary, ['serve', '--addr', '127.0.0.1:0', '--database-url', 'sqlite::memory:', '--auto-consent', ...extra],
  { stdio: ['pipe', 'pipe', 'inherit'] })
const line = await new Promise((resolve, reject) => {
  createInterface({ input: server.stdout }).once('line', resolve)
  server.once('exit', (code) => reject(new Error(`sandbank exited with ${code} before it was ready`)))
})
const ready = JSON.parse(line)
// The CIBA part of the flow approves through the sandbox control API with the admin key.
const env = { ...process.env, SANDBANK_URL: ready.url, SANDBANK_ADMIN_KEY: ready.adminKey }
if (ready.caFile) env.NODE_EXTRA_CA_CERTS = ready.caFile
const flow = spawn(process.execPath, [fileURLToPath(new URL('./flow.mjs', import.meta.url)), ready.issuer], { stdio: 'inherit', env })
const code = await new Promise((resolve) => flow.once('exit', resolve))
server.kill('SIGTERM')
process.exit(code ?? 1)
