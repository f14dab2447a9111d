// The peer authorization server of the benchmark: oidc-provider 9 with a minimal FAPI 2.0
// configuration (PAR required, private_key_jwt only, DPoP-bound access tokens, ES256, PKCE S256,
// dynamic registration) and headless consent keyed on login_hint, the same contract as
// `sandbank serve --auto-consent`: an authorization request whose PAR carried login_hint=<user>
// is signed in as <user> and granted what it asked for without any page, and /authorize answers
// with the redirect to the client carrying the code. A returning browser (its session cookie)
// reuses the session and its grant.
//
// Usage: node oidc-provider.mjs PORT
// Prints one JSON ready line on stdout ({"event":"ready","url":...,"issuer":...}) once it accepts
// connections; discovery at /.well-known/openid-configuration. Exits when stdin reaches end of
// file (when it is a pipe) or on SIGTERM, like an ephemeral Sandbank.
import { createServer } from 'node:http'
import { generateKeyPairSync } from 'node:crypto'
import { fstatSync } from 'node:fs'
import Provider, { interactionPolicy } from 'oidc-provider'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node oidc-provider.mjs PORT (the issuer names the port, so it cannot be 0)')
  process.exit(2)
}
const host = '127.0.0.1'

// The server's ID-token signing key, made at each start as Sandbank makes its own.
const signingJwk = {
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  alg: 'ES256',
  use: 'sig',
  kid: 'peer-es256',
}

// Headless consent: a first prompt whose only check never asks for interaction. When the
// request carries login_hint and the browser's session is not already that user's, it signs the
// user in on the session and records a grant of what was asked; the login and consent prompts
// that follow then find nothing missing, so the authorization endpoint responds directly.
// loadAccount and loadGrant ran before the policy, so the check sets the entities they would
// have set.
const { Check, Prompt, base } = interactionPolicy
const policy = base()
policy.add(new Prompt({ name: 'headless', requestable: false },
  new Check('login_hint_headless', 'headless sign-in from login_hint', async (ctx) => {
    const { oidc } = ctx
    const hint = oidc.params.login_hint
    if (typeof hint !== 'string' || !hint) {
      return Check.NO_NEED_TO_PROMPT // the login prompt that follows asks for interaction
    }
    const clientId = oidc.client.clientId
    if (oidc.session.accountId !== hint) {
      oidc.session.loginAccount({ accountId: hint })
      oidc.entity('Account', await findAccount(ctx, hint))
    } else if (!oidc.account) {
      oidc.entity('Account', await findAccount(ctx, hint))
    }
    let grant = oidc.grant && oidc.grant.accountId === hint ? oidc.grant : undefined
    const requested = [...oidc.requestParamOIDCScopes].join(' ')
    const missing = !grant || [...oidc.requestParamOIDCScopes].some((s) => !grant.getOIDCScope().split(' ').includes(s))
    if (missing) {
      grant ??= new oidc.provider.Grant({ accountId: hint, clientId })
      grant.addOIDCScope(requested)
      await grant.save()
      oidc.session.ensureClientContainer(clientId)
      oidc.session.grantIdFor(clientId, grant.jti)
      oidc.entity('Grant', grant)
    }
    return Check.NO_NEED_TO_PROMPT
  })), 0)

async function findAccount(ctx, accountId) {
  return {
    accountId,
    async claims() {
      return { sub: accountId }
    },
  }
}

const issuer = `http://${host}:${port}`
const provider = new Provider(issuer, {
  jwks: { keys: [signingJwk] },
  findAccount,
  clientAuthMethods: ['private_key_jwt'],
  enabledJWA: {
    clientAuthSigningAlgValues: ['ES256'],
    idTokenSigningAlgValues: ['ES256'],
    requestObjectSigningAlgValues: ['ES256'],
    dPoPSigningAlgValues: ['ES256'],
  },
  scopes: ['openid'],
  claims: { openid: ['sub'] },
  pkce: { required: () => true },
  responseTypes: ['code'],
  interactions: {
    policy,
    // Never reached for requests with login_hint; others get a plain refusal page.
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  features: {
    fapi: { enabled: true, profile: '2.0' },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
    dPoP: { enabled: true },
    registration: { enabled: true },
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    introspection: { enabled: true },
  },
  // DPoP-bound access tokens for every client, as Sandbank requires a DPoP proof at /token.
  clientDefaults: {
    token_endpoint_auth_method: 'private_key_jwt',
    id_token_signed_response_alg: 'ES256',
    dpop_bound_access_tokens: true,
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Grant: 3600,
    Interaction: 600,
    Session: 3600,
    PushedAuthorizationRequest: 90,
  },
})
provider.proxy = false

// The default Koa error log writes a stack per refused request; keep stderr for real failures.
provider.on('server_error', (ctx, error) => console.error('server_error', error))

const callback = provider.callback()
const server = createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    res.writeHead(400, { 'content-type': 'text/plain' })
    res.end('this benchmark peer has no login pages: send login_hint in the pushed request\n')
    return
  }
  callback(req, res)
})
server.keepAliveTimeout = 60_000
server.listen(port, host, () => {
  const { port: bound } = server.address()
  console.log(JSON.stringify({ event: 'ready', url: `http://${host}:${bound}`, issuer }))
})

function stop() {
  server.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
const stdin = fstatSync(0)
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('end', stop)
  process.stdin.resume()
}
