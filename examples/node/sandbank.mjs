// Starts a throwaway Sandbank for a test file: `sandbank serve --ephemeral` (in-memory database,
// free port, headless consent) as a child process, resolved once it prints its ready line.
//
//   const bank = await startSandbank()   // { url, issuer, adminKey, stop() }
//   ...
//   await bank.stop()
//
// The binary is $SANDBANK_BIN, or target/debug/sandbank of this repository (`cargo build`).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const defaultBinary = fileURLToPath(new URL('../../target/debug/sandbank', import.meta.url))
const READY_TIMEOUT_MS = 30_000 // generous: a debug build on a busy CI machine

export async function startSandbank({ binary = process.env.SANDBANK_BIN ?? defaultBinary, args = [] } = {}) {
  // stdin is a pipe we hold: if the test process dies, the pipe closes and the bank exits too.
  // Its logs go to our stderr; stdout carries the ready line.
  const bank = spawn(binary, ['serve', '--ephemeral', ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await readyLine(bank, binary).catch((error) => {
    bank.kill()
    throw error
  })
  // {"event":"ready","url":"http://127.0.0.1:40123","issuer":"http://127.0.0.1:40123","adminKey":"..."}
  const { url, issuer, adminKey } = JSON.parse(line)
  return {
    url,
    issuer,
    adminKey, // bearer token of the sandbox control API (/sandbox)
    async stop() {
      if (bank.exitCode !== null || bank.signalCode !== null) return
      const exited = once(bank, 'exit')
      bank.stdin.end() // an ephemeral bank exits when its stdin closes (SIGTERM works too)
      await exited
    },
  }
}

// The first line the bank prints, or an error if it cannot start, exits first, or takes too long.
function readyLine(bank, binary) {
  return new Promise((resolve, reject) => {
    createInterface({ input: bank.stdout }).once('line', resolve)
    bank.once('error', (error) => reject(error.code === 'ENOENT'
      ? new Error(`no Sandbank binary at ${binary}: run \`cargo build\` (or set SANDBANK_BIN)`)
      : error))
    bank.once('exit', (code) => reject(new Error(`Sandbank exited (${code}) before it was ready`)))
    setTimeout(() => reject(new Error(`no ready line from Sandbank within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS).unref()
  })
}
