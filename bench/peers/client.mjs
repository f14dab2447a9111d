// The benchmark's one black-box client: drives any FAPI 2.0 authorization server the same way
// with openid-client v6 (a certified client library neither server's authors wrote).
//
// Usage: node client.mjs ISSUER [--flows N] [--workers W] [--warmup K] [--scope S]
//                               [--reuse-session] [--login-hint U] [--server-pid PID]
//
// Registers one client by dynamic registration (private_key_jwt with ES256,
// dpop_bound_access_tokens, redirect_uri http://127.0.0.1:9/callback), runs K unmeasured warm-up
// flows, then N measured full flows on W concurrent workers. A flow is: PAR (private_key_jwt,
// PKCE S256, a DPoP proof, login_hint) -> GET /authorize, following redirects by hand until one
// goes to the redirect URI with a code -> the token request (private_key_jwt, DPoP). A new
// browser (the default) starts every flow with no cookies; with --reuse-session each worker keeps
// its cookie jar across flows, as a returning browser would.
//
// Prints one JSON line: flows/s, p50/p99 latency of a whole flow in ms, failures (and the first
// failure's message), and with --server-pid the server's CPU time (utime+stime from
// /proc/PID/stat, every thread) spent during the measured flows, per flow, in ms.
import * as client from 'openid-client'
import { percentile, processCpuMs } from './measure.mjs'
import { parseArgs } from 'node:util'

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    flows: { type: 'string', default: '200' },
    workers: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '20' },
    scope: { type: 'string', default: 'openid accounts' },
    'login-hint': { type: 'string', default: 'alice' },
    'reuse-session': { type: 'boolean', default: false },
    'server-pid': { type: 'string' },
  },
})
if (positionals.length !== 1) {
  console.error('usage: node client.mjs ISSUER [--flows N] [--workers W] [--warmup K] [--scope S] [--reuse-session] [--login-hint U] [--server-pid PID]')
  process.exit(2)
}
const issuer = new URL(positionals[0])
const flows = Number(opts.flows)
const workers = Number(opts.workers)
const warmup = Number(opts.warmup)
const reuseSession = opts['reuse-session']
const serverPid = opts['server-pid']
const redirectUri = 'http://127.0.0.1:9/callback'
const insecure = issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}

const serverCpuMs = () => processCpuMs(serverPid)

const { privateKey, publicKey } = await crypto.subtle.generateKey(
  { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
const publicJwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), alg: 'ES256', use: 'sig', kid: 'bench-1' }
delete publicJwk.key_ops
delete publicJwk.ext

const config = await client.dynamicClientRegistration(issuer, {
  client_name: 'sandbank peer benchmark',
  redirect_uris: [redirectUri],
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: 'ES256',
  id_token_signed_response_alg: 'ES256',
  jwks: { keys: [publicJwk] },
  dpop_bound_access_tokens: true,
}, client.PrivateKeyJwt({ key: privateKey, kid: 'bench-1' }), insecure)
const wantsIdToken = opts.scope.split(' ').includes('openid')

// Browser requests made at the authorization server, all flows (1 per flow when headless).
let browserRequests = 0

// A cookie jar of one browser: name -> value, for the server's origin only (all that is visited).
function newJar() {
  return new Map()
}
function cookieHeader(jar) {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}
function remember(jar, response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';')
    const eq = pair.indexOf('=')
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    const expired = attributes.some((a) => /^\s*max-age=0\b/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a))
    if (expired || value === '') jar.delete(name)
    else jar.set(name, value)
  }
}

async function oneFlow(dpop, jar) {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = wantsIdToken ? client.randomNonce() : undefined
  const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri,
    scope: opts.scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(nonce ? { nonce } : {}),
    login_hint: opts['login-hint'],
  }, { DPoP: dpop })

  // The browser: follow redirects by hand, sending and keeping cookies, until one goes back to
  // the client.
  let url = authorizationUrl
  let callback
  for (let hop = 0; hop < 10; hop += 1) {
    const headers = {}
    if (jar.size) headers.cookie = cookieHeader(jar)
    const response = await fetch(url, { redirect: 'manual', headers })
    browserRequests += 1
    remember(jar, response)
    const location = response.headers.get('location')
    await response.arrayBuffer()
    if (response.status < 300 || response.status > 399 || !location) {
      throw new Error(`authorization stopped at ${response.status} on ${url}`)
    }
    const next = new URL(location, url)
    if (next.href.startsWith(redirectUri)) {
      callback = next
      break
    }
    url = next
  }
  if (!callback) throw new Error('too many redirects at the authorization endpoint')
  if (!callback.searchParams.has('code')) {
    throw new Error(`no code in the redirect: ${callback.search}`)
  }

  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    ...(nonce ? { expectedNonce: nonce } : {}),
    idTokenExpected: wantsIdToken,
  }, undefined, { DPoP: dpop })
  if (tokens.token_type.toLowerCase() !== 'dpop') {
    throw new Error(`token_type ${tokens.token_type}, not DPoP`)
  }
}

// W workers share the count of flows to run; each has its own DPoP key and, with
// --reuse-session, its own cookie jar for all its flows.
async function run(total, measured) {
  let next = 0
  const latencies = []
  let failures = 0
  let firstError
  async function worker() {
    const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
    const sessionJar = newJar()
    while (next < total) {
      next += 1
      const jar = reuseSession ? sessionJar : newJar()
      const started = performance.now()
      try {
        await oneFlow(dpop, jar)
        latencies.push(performance.now() - started)
      } catch (error) {
        failures += 1
        firstError ??= `${error.message}${error.cause ? ` (${JSON.stringify(error.cause)})` : ''}`
      }
    }
  }
  const cpuBefore = measured ? serverCpuMs() : undefined
  const started = performance.now()
  await Promise.all(Array.from({ length: workers }, worker))
  const seconds = (performance.now() - started) / 1000
  const cpuAfter = measured ? serverCpuMs() : undefined
  return { latencies, failures, firstError, seconds, cpuMs: cpuAfter === undefined ? undefined : cpuAfter - cpuBefore }
}

if (warmup > 0) {
  const w = await run(warmup, false)
  if (w.failures === warmup) {
    console.log(JSON.stringify({ issuer: issuer.href, error: `every warm-up flow failed: ${w.firstError}` }))
    process.exit(1)
  }
}
browserRequests = 0
const result = await run(flows, true)
const sorted = result.latencies.sort((a, b) => a - b)
const ok = sorted.length
console.log(JSON.stringify({
  issuer: issuer.href,
  flows,
  workers,
  reuseSession,
  ok,
  failures: result.failures,
  seconds: Math.round(result.seconds * 1000) / 1000,
  flowsPerSecond: Math.round((ok / result.seconds) * 10) / 10,
  p50Ms: percentile(sorted, 50, 2),
  p99Ms: percentile(sorted, 99, 2),
  browserRequestsPerFlow: Math.round((browserRequests / flows) * 100) / 100,
  ...(result.cpuMs === undefined ? {} : {
    serverCpuMs: result.cpuMs,
    serverCpuMsPerFlow: ok ? Math.round((result.cpuMs / ok) * 1000) / 1000 : null,
  }),
  ...(result.firstError ? { firstError: result.firstError } : {}),
}))
process.exit(result.failures ? 1 : 0)
