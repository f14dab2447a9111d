// Reading alice's bank through the real FAPI 2.0 flow with openid-client: `node --test`.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import * as client from 'openid-client'
import { startSandbank } from './sandbank.mjs'

const redirectUri = 'http://127.0.0.1:9/callback' // nothing listens: the redirect is read, not followed

let bank
before(async () => { bank = await startSandbank() })
after(() => bank?.stop())

// Registers an app by DCR (private_key_jwt, ES256 key by value), then signs `username` in:
// PAR with PKCE and DPoP, /authorize (headless consent: an immediate 303 with the code), and
// the code exchange. Returns what a call to the bank needs: the config, the token and the DPoP key.
// With `{ signed: true }`, FAPI 2.0 Message Signing: the app is registered to require signed
// request objects and JARM, the request goes to PAR as a JWT signed by the app
// (buildAuthorizationUrlWithJAR), and openid-client verifies the bank's signed response.
async function loginAs(username, scope, { signed = false } = {}) {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey)
  const config = await client.dynamicClientRegistration(new URL(bank.issuer), {
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [{ kty, crv, x, y, kid: 'key-1', alg: 'ES256', use: 'sig' }] },
    grant_types: ['authorization_code', 'refresh_token'],
    dpop_bound_access_tokens: true,
    ...(signed ? { require_signed_request_object: true, authorization_signed_response_alg: 'ES256' } : {}),
  }, client.PrivateKeyJwt({ key: privateKey, kid: 'key-1' }), { execute: [client.allowInsecureRequests] })
  if (signed) client.useJwtResponseMode(config)

  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  let parameters = {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    login_hint: username,
  }
  if (signed) {
    parameters = (await client.buildAuthorizationUrlWithJAR(config, parameters, { key: privateKey, kid: 'key-1' })).searchParams
  }
  const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP: dpop })

  const authorize = await fetch(authorizationUrl, { redirect: 'manual' })
  assert.equal(authorize.status, 303)
  const tokens = await client.authorizationCodeGrant(config, new URL(authorize.headers.get('location')),
    { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: dpop })
  assert.equal(tokens.token_type.toLowerCase(), 'dpop')

  // Each call gets a fresh DPoP proof for its method and URL, bound to the token.
  const call = (url) => client.fetchProtectedResource(config, tokens.access_token, new URL(url), 'GET',
    undefined, undefined, { DPoP: dpop })
  const get = async (url) => {
    const response = await call(url)
    assert.equal(response.status, 200)
    return response.json()
  }
  // The status alone: openid-client throws on a 401 that carries a challenge; its status is kept.
  get.status = (url) => call(url).then((response) => response.status,
    (error) => { if (error?.status) return error.status; throw error })
  return get
}

// The sandbox control API, with the admin key from the ready line.
async function admin(method, path, body) {
  const response = await fetch(`${bank.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bank.adminKey}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  })
  assert.equal(response.status, 200, `${method} ${path}`)
  return response.json()
}

test('alice reads her current account transactions, page by page', async () => {
  const get = await loginAs('alice', 'accounts transactions')

  const accounts = await get(`${bank.url}/accounts`)
  const current = accounts.data.find((a) => a.accountType === 'CHECKING' && a.ownership === 'SOLE')
  assert.ok(current, 'alice has a current account of her own')

  const first = await get(`${bank.url}/accounts/${current.accountId}/transactions?pageSize=10`)
  assert.equal(first.data.length, 10)
  // links.next is a full URL carrying the filters and the cursor: follow it as it is.
  const second = await get(first.links.next)
  assert.equal(second.data.length, 10)
  const seen = new Set(first.data.map((t) => t.transactionId))
  assert.ok(second.data.every((t) => !seen.has(t.transactionId)))
})

test('ten days later: the old token has expired, a new login works, newer transactions are there', async () => {
  // Without the admin key the control API is closed.
  assert.equal((await fetch(`${bank.url}/sandbox/personas`)).status, 401)
  const personas = await admin('GET', '/sandbox/personas')
  assert.ok(personas.data.some((p) => p.username === 'alice'))

  const before = await loginAs('alice', 'accounts transactions')
  const accounts = await before(`${bank.url}/accounts`)
  const current = accounts.data.find((a) => a.accountType === 'CHECKING' && a.ownership === 'SOLE')
  const transactions = `${bank.url}/accounts/${current.accountId}/transactions?pageSize=1`
  const newest = (await before(transactions)).data[0].bookingDateTime

  const clock = await admin('POST', '/sandbox/clock', { advanceBy: 'P10D' })
  assert.equal(clock.offsetSeconds, 10 * 86_400)
  try {
    // The token expired by the sandbox clock. openid-client dates its DPoP proofs and client
    // assertions by the real clock, and no clock-skew setting is needed: the bank accepts either.
    assert.equal(await before.status(`${bank.url}/accounts`), 401)
    const after = await loginAs('alice', 'accounts transactions')
    const newer = (await after(transactions)).data[0].bookingDateTime
    assert.ok(Date.parse(newer) > Date.parse(newest), `${newer} after ${newest}`)
  } finally {
    await admin('POST', '/sandbox/reset') // the seed's dataset and real time again
  }
})

test('a signed request object and a signed (JARM) authorization response', async () => {
  const get = await loginAs('alice', 'accounts', { signed: true })

  const accounts = await get(`${bank.url}/accounts`)
  assert.ok(accounts.data.length > 0)
})
