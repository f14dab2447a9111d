"""A minimal FAPI 2.0 client for tests: DCR, PAR, headless /authorize, /token, DPoP-signed calls.

Every step is the real protocol a bank's customers' apps go through: the client authenticates
with `private_key_jwt`, PKCE protects the code, and the tokens are bound to a DPoP key, so each
request to the bank carries a fresh proof signed with it. Only the browser is skipped: the bank
runs with headless consent (`serve --ephemeral`), so `/authorize` answers straight away with a
redirect carrying the code for the customer named by `login_hint`.
"""

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
from joserfc import jwk, jwt

# The app's redirect URI. Nothing listens there: the test reads the redirect, never follows it.
REDIRECT_URI = "http://127.0.0.1:9/callback"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _new_key() -> jwk.ECKey:
    """An ES256 key pair (EC P-256), the algorithm FAPI 2.0 clients commonly sign with."""
    return jwk.ECKey.generate_key("P-256")


def dpop_proof(key: jwk.ECKey, method: str, url: str, access_token=None, nonce=None) -> str:
    """A DPoP proof (RFC 9449) for one request: a JWT signed by `key`, carrying its public half."""
    scheme, host, path, _, _ = urlsplit(url)
    claims = {
        "jti": secrets.token_urlsafe(16),  # single use: the bank refuses a proof it has seen
        "htm": method,
        "htu": urlunsplit((scheme, host, path, "", "")),  # without query and fragment
        "iat": int(time.time()),
    }
    if access_token is not None:  # at the bank's API: the hash of the token the proof goes with
        claims["ath"] = _b64url(hashlib.sha256(access_token.encode()).digest())
    if nonce is not None:  # when the server asked for one (DPoP-Nonce)
        claims["nonce"] = nonce
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key)


@dataclass
class Client:
    """An app registered at the bank by Dynamic Client Registration, with its signing key."""

    http: httpx.Client
    metadata: dict  # the authorization server's discovery document
    client_id: str
    key: jwk.ECKey

    @classmethod
    def register(cls, issuer: str, name: str = "pytest example", signed: bool = False) -> "Client":
        """Reads the bank's discovery document and registers a `private_key_jwt` client.

        `signed=True` registers for FAPI 2.0 Message Signing: pushed requests must be signed
        request objects, and authorization responses are signed JWTs (JARM).
        """
        http = httpx.Client(timeout=10)
        metadata = http.get(f"{issuer}/.well-known/openid-configuration").raise_for_status().json()
        key = _new_key()
        public = {**key.as_dict(private=False), "kid": "key-1", "alg": "ES256", "use": "sig"}
        response = http.post(
            metadata["registration_endpoint"],
            json={
                "client_name": name,
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": {"keys": [public]},  # the public key, by value
                "grant_types": ["authorization_code", "refresh_token"],
                "dpop_bound_access_tokens": True,
                "authorization_details_types": ["account_information", "payment_initiation"],
                **(
                    {
                        "require_signed_request_object": True,
                        "authorization_signed_response_alg": "ES256",
                    }
                    if signed
                    else {}
                ),
            },
        )
        response.raise_for_status()
        return cls(http, metadata, response.json()["client_id"], key)

    def _assertion(self) -> dict:
        """Form fields that authenticate the client: a fresh `private_key_jwt` assertion."""
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.metadata["issuer"],  # FAPI 2.0: the issuer identifier
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        }
        assertion = jwt.encode({"alg": "ES256", "kid": "key-1"}, claims, self.key)
        return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}

    def _post(self, endpoint: str, form: dict, dpop_key: jwk.ECKey) -> dict:
        """POSTs to the authorization server with client authentication and a DPoP proof.

        A server that requires DPoP nonces answers `use_dpop_nonce` with a `DPoP-Nonce` header:
        send the request once more with that nonce in a new proof.
        """
        url = self.metadata[endpoint]
        nonce = None
        for _ in range(2):
            response = self.http.post(
                url,
                data={**form, **self._assertion()},
                headers={"DPoP": dpop_proof(dpop_key, "POST", url, nonce=nonce)},
            )
            nonce = response.headers.get("DPoP-Nonce")
            if response.status_code == 400 and response.json().get("error") == "use_dpop_nonce":
                continue
            break
        if response.is_error:
            raise RuntimeError(f"{endpoint}: {response.status_code} {response.text}")
        return response.json()

    def _request_object(self, params: dict) -> str:
        """A signed request object (JAR, RFC 9101) carrying `params`, with FAPI 2.0 Message
        Signing's claims: `aud` the issuer, `nbf` now, `exp` at most 60 minutes later."""
        now = int(time.time())
        claims = {
            **params,
            "iss": self.client_id,
            "client_id": self.client_id,
            "aud": self.metadata["issuer"],
            "nbf": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        }
        header = {"alg": "ES256", "kid": "key-1", "typ": "oauth-authz-req+jwt"}
        return jwt.encode(header, claims, self.key)

    def _jarm(self, response: str, state: str) -> dict:
        """The claims of a JARM response, verified against the bank's published keys."""
        keys = jwk.KeySet.import_key_set(
            self.http.get(self.metadata["jwks_uri"]).raise_for_status().json()
        )
        token = jwt.decode(response, keys, algorithms=["ES256", "PS256"])
        claims = token.claims
        assert claims["iss"] == self.metadata["issuer"]
        assert claims["aud"] == self.client_id
        assert claims["exp"] > time.time()
        assert claims["state"] == state
        return claims

    def login_as(
        self, username: str, scope: str, signed: bool = False, authorization_details=None
    ) -> "Session":
        """Signs `username` in through PAR → /authorize → /token; a session holding their token.

        `signed=True` pushes the request as a signed request object and asks for a JARM
        response (the client must be registered with `signed=True`). `authorization_details`
        (RFC 9396), e.g. one `payment_initiation`, are asked for besides the scopes.
        """
        dpop_key = _new_key()
        verifier = secrets.token_urlsafe(48)  # PKCE (S256)
        challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
        state = secrets.token_urlsafe(16)
        params = {
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": state,
            "login_hint": username,  # headless consent: whose accounts to share
        }
        if authorization_details:
            params["authorization_details"] = json.dumps(authorization_details)
        if signed:
            # Only what is inside the signed object counts.
            params["response_mode"] = "jwt"
            params = {"request": self._request_object(params)}
        par = self._post(
            "pushed_authorization_request_endpoint",
            {"client_id": self.client_id, **params},
            dpop_key,
        )

        # The browser step. With headless consent the bank redirects (303) at once; read the
        # Location header rather than following it to the app's redirect URI.
        authorize = self.http.get(
            self.metadata["authorization_endpoint"],
            params={"client_id": self.client_id, "request_uri": par["request_uri"]},
        )
        assert authorize.status_code == 303, authorize.text
        callback = parse_qs(urlsplit(authorize.headers["Location"]).query)
        if signed:
            # JARM: one `response` JWT, signed by the bank, instead of code, state and iss.
            callback = {"code": [self._jarm(callback["response"][0], state)["code"]]}
        else:
            assert callback["state"] == [state]
            assert callback["iss"] == [self.metadata["issuer"]]  # RFC 9207: from this bank

        tokens = self._post(
            "token_endpoint",
            {
                "grant_type": "authorization_code",
                "code": callback["code"][0],
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            dpop_key,
        )
        assert tokens["token_type"] == "DPoP"
        return Session(
            self.http,
            tokens["access_token"],
            dpop_key,
            tokens.get("authorization_details", []),
        )


@dataclass
class Session:
    """A customer's DPoP-bound access token, and the key whose proofs must go with it."""

    http: httpx.Client
    access_token: str
    dpop_key: jwk.ECKey
    authorization_details: list  # as granted: a payment names the account the customer chose

    def get(self, url: str, **params) -> httpx.Response:
        """GET with `Authorization: DPoP <token>` and a fresh proof for this very request."""
        proof = dpop_proof(self.dpop_key, "GET", url, access_token=self.access_token)
        headers = {"Authorization": f"DPoP {self.access_token}", "DPoP": proof}
        # httpx replaces a URL's query with `params`, even empty ones: keep links.next whole.
        return self.http.get(url, params=params or None, headers=headers)

    def post(self, url: str, body: dict, headers: dict | None = None) -> httpx.Response:
        """POST a JSON body with the token and a fresh proof."""
        proof = dpop_proof(self.dpop_key, "POST", url, access_token=self.access_token)
        sent = {"Authorization": f"DPoP {self.access_token}", "DPoP": proof, **(headers or {})}
        return self.http.post(url, json=body, headers=sent)
