// Interop: openid-client v6 (a certified FAPI 2.0 client no one here wrote) against a running
// Sandbank started with --auto-consent. Usage: node flow.mjs ISSUER
//
// Discovery, dynamic registration (private_key_jwt), PAR with DPoP, authorization (headless
// consent via login_hint), code exchange with private_key_jwt and DPoP, fetchProtectedResource
// on /accounts, refresh, introspection and revocation; with FAPI 2.0 Message Signing (a request
// object by buildAuthorizationUrlWithJAR pushed by PAR, JARM, signed introspection); CIBA in
// poll mode (initiateBackchannelAuthentication, a decision through the sandbox control API
// with SANDBANK_ADMIN_KEY, pollBackchannelAuthenticationGrant with DPoP); over https, the
// same flow again with tls_client_auth and certificate-bound tokens. Exits non-zero on the
// first failure.
import * as client from 'openid-client'
import { execFileSync } from 'node:child_process'
import { readFileSync, mkdtempSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const issuer = new URL(process.argv[2])
const insecure = issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}
let passed = 0
function check(what, condition, detail = '') {
  if (!condition) {
    console.error(`FAILED: ${what} ${detail}`)
    process.exit(1)
  }
  passed += 1
  console.log(`ok: ${what}`)
}

// The client's key pair: private_key_jwt with ES256.
const { privateKey, publicKey } = await crypto.subtle.generateKey(
  { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
const publicJwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), alg: 'ES256', use: 'sig', kid: 'interop-1' }
delete publicJwk.key_ops
delete publicJwk.ext

const redirectUri = 'http://127.0.0.1:9/callback'
const config = await client.dynamicClientRegistration(issuer, {
  client_name: 'openid-client interop',
  redirect_uris: [redirectUri],
  token_endpoint_auth_method: 'private_key_jwt',
  jwks: { keys: [publicJwk] },
  grant_types: ['authorization_code', 'refresh_token'],
  dpop_bound_access_tokens: true,
}, client.PrivateKeyJwt({ key: privateKey, kid: 'interop-1' }), insecure)
check('discovery and dynamic registration', !!config.clientMetadata().client_id)
check('metadata requires PAR', config.serverMetadata().require_pushed_authorization_requests === true)

const dpopKeys = await client.randomDPoPKeyPair('ES256')
const dpop = client.getDPoPHandle(config, dpopKeys)
const verifier = client.randomPKCECodeVerifier()
const state = client.randomState()
const nonce = client.randomNonce()
const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, {
  redirect_uri: redirectUri,
  scope: 'openid accounts balances',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  nonce,
  login_hint: 'alice',
}, { DPoP: dpop })
check('PAR with DPoP returns a request_uri', authorizationUrl.searchParams.has('request_uri'))

// The browser step: with auto-consent, /authorize answers 303 straight back to the client.
const authorize = await fetch(authorizationUrl, { redirect: 'manual' })
check('authorization redirects with 303', authorize.status === 303, `status ${authorize.status}`)
const callback = new URL(authorize.headers.get('location'))
check('the response carries iss', callback.searchParams.get('iss') === config.serverMetadata().issuer)

const tokens = await client.authorizationCodeGrant(config, callback, {
  pkceCodeVerifier: verifier,
  expectedState: state,
  expectedNonce: nonce,
  idTokenExpected: true,
}, undefined, { DPoP: dpop })
check('code exchange with private_key_jwt and DPoP', tokens.token_type.toLowerCase() === 'dpop', tokens.token_type)
check('the ID token validates and names the customer', !!tokens.claims()?.sub)

const accounts = await client.fetchProtectedResource(
  config, tokens.access_token, new URL('/accounts', issuer), 'GET', undefined, undefined, { DPoP: dpop })
const page = await accounts.json()
check('fetchProtectedResource on /accounts', accounts.status === 200 && page.data.length > 0, `status ${accounts.status}`)

const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: dpop })
check('refresh with DPoP', !!refreshed.access_token)

const introspection = await client.tokenIntrospection(config, refreshed.access_token)
check('introspection shows an active, DPoP-bound token', introspection.active === true && !!introspection.cnf?.jkt)

await client.tokenRevocation(config, refreshed.access_token)
const after = await client.tokenIntrospection(config, refreshed.access_token)
check('a revoked token is inactive', after.active === false)
// openid-client raises the resource server's WWW-Authenticate challenge as an error.
const refusal = await client.fetchProtectedResource(
  config, refreshed.access_token, new URL('/accounts', issuer), 'GET', undefined, undefined, { DPoP: dpop })
  .then((response) => ({ status: response.status }), (error) => ({ status: error.status, challenge: error.cause?.[0] }))
check('a revoked token is refused at the resource server', refusal.status === 401 &&
  refusal.challenge?.parameters?.error === 'invalid_token', JSON.stringify(refusal))

await signedFlow()
await cibaFlow()
if (issuer.protocol === 'https:') {
  await mtlsFlow()
}

console.log(`openid-client interop: ${passed} passed, 0 failed`)

// FAPI 2.0 Message Signing: a client registered to require signed request objects, JARM and
// signed introspection. The request object is built by buildAuthorizationUrlWithJAR and pushed
// by buildAuthorizationUrlWithPAR; the JARM response and the introspection JWT are verified by
// openid-client against the server's JWKS, with its non-repudiation checks on.
async function signedFlow() {
  const config = await client.dynamicClientRegistration(issuer, {
    client_name: 'openid-client message signing interop',
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [publicJwk] },
    grant_types: ['authorization_code'],
    require_signed_request_object: true,
    request_object_signing_alg: 'ES256',
    authorization_signed_response_alg: 'ES256',
    introspection_signed_response_alg: 'ES256',
  }, client.PrivateKeyJwt({ key: privateKey, kid: 'interop-1' }), insecure)
  client.useJwtResponseMode(config)
  client.enableNonRepudiationChecks(config)
  check('signing: registration with require_signed_request_object', config.clientMetadata().require_signed_request_object === true)
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const jar = await client.buildAuthorizationUrlWithJAR(config, {
    redirect_uri: redirectUri,
    scope: 'openid accounts',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    login_hint: 'alice',
  }, { key: privateKey, kid: 'interop-1' })
  check('signing: buildAuthorizationUrlWithJAR made a request object', jar.searchParams.has('request'))
  const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP: dpop })
  check('signing: PAR accepts the request object', authorizationUrl.searchParams.has('request_uri'))
  const authorize = await fetch(authorizationUrl, { redirect: 'manual' })
  const callback = new URL(authorize.headers.get('location'))
  check('signing: the authorization response is one JARM response parameter', callback.searchParams.has('response') &&
    !callback.searchParams.has('code'), callback.toString())
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  }, undefined, { DPoP: dpop })
  check('signing: the JARM response and the ID token verify, and the code is redeemed', !!tokens.access_token)
  const introspection = await client.tokenIntrospection(config, tokens.access_token)
  check('signing: signed introspection (RFC 9701) verifies and is active', introspection.active === true)
}

// CIBA (poll mode) with DPoP: a client registered for the CIBA grant only (no redirect URI)
// starts a backchannel authentication for alice, the customer's approval is given through the
// sandbox control API, and openid-client polls the token endpoint until it has the tokens.
async function cibaFlow() {
  const adminKey = process.env.SANDBANK_ADMIN_KEY
  const sandboxUrl = process.env.SANDBANK_URL ?? issuer.href
  check('CIBA: the admin key of the ready line is known', !!adminKey)
  check('CIBA: discovery lists the backchannel endpoint and poll mode',
    !!config.serverMetadata().backchannel_authentication_endpoint &&
    config.serverMetadata().backchannel_token_delivery_modes_supported?.includes('poll'))
  const ciba = await client.dynamicClientRegistration(issuer, {
    client_name: 'openid-client CIBA interop',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [publicJwk] },
    grant_types: ['urn:openid:params:grant-type:ciba'],
    backchannel_token_delivery_mode: 'poll',
  }, client.PrivateKeyJwt({ key: privateKey, kid: 'interop-1' }), insecure)
  check('CIBA: registration for the CIBA grant in poll mode', ciba.clientMetadata().backchannel_token_delivery_mode === 'poll')
  const started = await client.initiateBackchannelAuthentication(ciba, {
    scope: 'openid accounts',
    login_hint: 'alice',
    binding_message: 'interop',
  })
  check('CIBA: initiateBackchannelAuthentication returns an auth_req_id', typeof started.auth_req_id === 'string' &&
    started.expires_in > 0, JSON.stringify(started))
  const approval = await fetch(new URL(`/sandbox/ciba/${encodeURIComponent(started.auth_req_id)}/approve`, sandboxUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}` },
  })
  const decision = await approval.json()
  check('CIBA: approved through the sandbox control API', approval.status === 200 && decision.status === 'approved',
    `${approval.status} ${JSON.stringify(decision)}`)
  const dpop = client.getDPoPHandle(ciba, await client.randomDPoPKeyPair('ES256'))
  const tokens = await client.pollBackchannelAuthenticationGrant(ciba, started, undefined, { DPoP: dpop })
  check('CIBA: pollBackchannelAuthenticationGrant gets DPoP-bound tokens', tokens.token_type.toLowerCase() === 'dpop', tokens.token_type)
  check('CIBA: the ID token validates and names the customer', !!tokens.claims()?.sub)
  const accounts = await client.fetchProtectedResource(
    ciba, tokens.access_token, new URL('/accounts', issuer), 'GET', undefined, undefined, { DPoP: dpop })
  check('CIBA: fetchProtectedResource on /accounts', accounts.status === 200, `status ${accounts.status}`)
}

// The same flow with tls_client_auth and certificate-bound (mTLS) tokens instead of
// private_key_jwt and DPoP. The client certificate is made with the openssl command line.
async function mtlsFlow() {
  const dir = mkdtempSync(join(tmpdir(), 'sandbank-mtls-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=openid-client interop/O=Sandbank tests', '-days', '1'],
  { stdio: 'ignore' })
  const key = readFileSync(join(dir, 'key.pem'))
  const cert = readFileSync(join(dir, 'cert.pem'))
  // A fetch that presents the client certificate; the CA comes from NODE_EXTRA_CA_CERTS.
  const mtlsFetch = (url, options = {}) => new Promise((resolve, reject) => {
    const headers = Object.fromEntries(new Headers(options.headers ?? {}).entries())
    const body = options.body === undefined || options.body === null ? undefined : String(options.body)
    const req = request(url, { method: options.method ?? 'GET', headers, key, cert }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => {
        const responseHeaders = new Headers()
        for (const [name, value] of Object.entries(res.headers)) {
          responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value)
        }
        const nullBody = [204, 304].includes(res.statusCode)
        const response = new Response(nullBody ? null : Buffer.concat(chunks), { status: res.statusCode, headers: responseHeaders })
        Object.defineProperty(response, 'url', { value: url.toString() })
        resolve(response)
      })
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
  const options = { [client.customFetch]: mtlsFetch }
  const config = await client.dynamicClientRegistration(issuer, {
    client_name: 'openid-client mTLS interop',
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: 'CN=openid-client interop,O=Sandbank tests',
    grant_types: ['authorization_code', 'refresh_token'],
    use_mtls_endpoint_aliases: true,
  }, client.TlsClientAuth(), options)
  config[client.customFetch] = mtlsFetch
  check('mTLS: registration with tls_client_auth', !!config.clientMetadata().client_id)
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri,
    scope: 'accounts',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    login_hint: 'ivan',
  })
  check('mTLS: PAR authenticated by the client certificate', authorizationUrl.searchParams.has('request_uri'))
  const authorize = await fetch(authorizationUrl, { redirect: 'manual' })
  const callback = new URL(authorize.headers.get('location'))
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state })
  check('mTLS: a certificate-bound Bearer token', tokens.token_type.toLowerCase() === 'bearer', tokens.token_type)
  const introspection = await client.tokenIntrospection(config, tokens.access_token)
  check('mTLS: introspection shows cnf.x5t#S256', introspection.active === true && !!introspection.cnf?.['x5t#S256'])
  const accounts = await client.fetchProtectedResource(config, tokens.access_token, new URL('/accounts', issuer), 'GET')
  check('mTLS: fetchProtectedResource with the certificate', accounts.status === 200, `status ${accounts.status}`)
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token)
  check('mTLS: refresh with the same certificate', !!refreshed.access_token)
  // Without the certificate the bound token is refused.
  const plain = await fetch(new URL('/accounts', issuer), { headers: { authorization: `Bearer ${refreshed.access_token}` } })
  check('mTLS: the bound token without its certificate is refused', plain.status === 401, `status ${plain.status}`)
}
