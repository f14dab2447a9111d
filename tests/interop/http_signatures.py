"""Interop: RFC 9421 HTTP message signatures by an implementation no one here wrote.

Starts `target/debug/sandbank serve --ephemeral` (or $SANDBANK_BIN), registers a client by DCR
with a P-256 key, `require_signed_resource_requests` and `sandbox_auto_consent`, runs the FAPI
2.0 flow (PAR with `private_key_jwt` and DPoP, headless /authorize, /token), then uses the PyPI
package `http-message-signatures` (pyauth) to:

- sign `GET /accounts` (`ecdsa-p256-sha256`, tag `fapi-2-request`, covering `@method`,
  `@target-uri`, `authorization` and `dpop`) and get 200;
- verify the bank's `fapi-2-response` signature on that answer with the server's ES256 key
  from `/jwks`, and its Content-Digest against the body;
- see that an unsigned request gets 401, and that a response with one byte of its body changed
  fails verification.

Exits non-zero on the first failure. Talks only to the loopback server it started.

    python tests/interop/http_signatures.py
"""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from joserfc import jwk, jwt

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("SANDBANK_BIN", str(ROOT / "target" / "debug" / "sandbank"))
REDIRECT_URI = "http://127.0.0.1:9/callback"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

passed = 0


def check(what, condition, detail=""):
    global passed
    if not condition:
        print(f"FAILED: {what} {detail}", file=sys.stderr)
        sys.exit(1)
    passed += 1
    print(f"ok: {what}")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def dpop_proof(key, method, url, access_token=None):
    scheme, host, path, _, _ = urlsplit(url)
    claims = {
        "jti": secrets.token_urlsafe(16),
        "htm": method,
        "htu": urlunsplit((scheme, host, path, "", "")),
        "iat": int(time.time()),
    }
    if access_token is not None:
        claims["ath"] = b64url(hashlib.sha256(access_token.encode()).digest())
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key)


class Keys(HTTPSignatureKeyResolver):
    """The client's private key for signing; the server's published keys for verifying."""

    def __init__(self, private_pem: bytes, kid: str, server_jwks: dict):
        self.private_pem = private_pem
        self.kid = kid
        self.server = {key["kid"]: key for key in server_jwks["keys"]}

    def resolve_private_key(self, key_id):
        if key_id != self.kid:
            raise KeyError(key_id)
        return self.private_pem

    def resolve_public_key(self, key_id):
        key = self.server.get(key_id)
        if key is None or key.get("kty") != "EC":
            return None
        x = int.from_bytes(base64.urlsafe_b64decode(key["x"] + "=="), "big")
        y = int.from_bytes(base64.urlsafe_b64decode(key["y"] + "=="), "big")
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def start_server():
    process = subprocess.Popen(
        [BINARY, "serve", "--ephemeral"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    ready = json.loads(line) if line.startswith("{") else {}
    if ready.get("event") != "ready":
        process.kill()
        raise RuntimeError(f"sandbank did not print its ready line: {line!r}")
    return process, ready


def flow(issuer: str):
    http = requests.Session()
    metadata = http.get(f"{issuer}/.well-known/openid-configuration").json()
    client_key = jwk.ECKey.generate_key("P-256")
    kid = "client-key-1"
    public = {**client_key.as_dict(private=False), "kid": kid, "alg": "ES256", "use": "sig"}
    registration = http.post(
        metadata["registration_endpoint"],
        json={
            "client_name": "http-message-signatures interop",
            "redirect_uris": [REDIRECT_URI],
            "jwks": {"keys": [public]},
            "require_signed_resource_requests": True,
            "sandbox_auto_consent": True,
        },
    )
    check("registration with require_signed_resource_requests", registration.status_code == 201,
          registration.text)
    client_id = registration.json()["client_id"]

    def assertion():
        now = int(time.time())
        claims = {"iss": client_id, "sub": client_id, "aud": metadata["issuer"],
                  "jti": secrets.token_urlsafe(16), "iat": now, "exp": now + 60}
        signed = jwt.encode({"alg": "ES256", "kid": kid}, claims, client_key)
        return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": signed}

    dpop_key = jwk.ECKey.generate_key("P-256")
    verifier = secrets.token_urlsafe(48)
    par_url = metadata["pushed_authorization_request_endpoint"]
    par = http.post(par_url, data={
        "client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT_URI,
        "scope": "accounts", "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256", "login_hint": "alice", **assertion(),
    }, headers={"DPoP": dpop_proof(dpop_key, "POST", par_url)})
    check("PAR", par.status_code == 201, par.text)
    authorize = http.get(metadata["authorization_endpoint"], allow_redirects=False,
                         params={"client_id": client_id, "request_uri": par.json()["request_uri"]})
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
    token_url = metadata["token_endpoint"]
    tokens = http.post(token_url, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier, **assertion(),
    }, headers={"DPoP": dpop_proof(dpop_key, "POST", token_url)})
    check("token", tokens.status_code == 200, tokens.text)
    access_token = tokens.json()["access_token"]

    private_pem = serialization.load_pem_private_key(
        client_key.as_pem(private=True), password=None
    ).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption())
    keys = Keys(private_pem, kid, http.get(metadata["jwks_uri"]).json())
    url = f"{issuer}/accounts"

    def request(signed: bool):
        prepared = requests.Request("GET", url, headers={
            "Authorization": f"DPoP {access_token}",
            "DPoP": dpop_proof(dpop_key, "GET", url, access_token),
        }).prepare()
        if signed:
            HTTPMessageSigner(signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=keys).sign(
                prepared, key_id=kid, label="sig", tag="fapi-2-request",
                covered_component_ids=("@method", "@target-uri", "authorization", "dpop"),
            )
        return http.send(prepared)

    unsigned = request(signed=False)
    check("an unsigned request from a client that requires signatures is 401",
          unsigned.status_code == 401, f"{unsigned.status_code} {unsigned.text}")

    response = request(signed=True)
    check("a request signed by http-message-signatures is accepted", response.status_code == 200,
          f"{response.status_code} {response.text}")

    verifier_ = HTTPMessageVerifier(signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=keys)
    results = verifier_.verify(
        response, expect_tag="fapi-2-response",
        require_components=("@status", "content-digest", "content-type"),
        body=response.content,
    )
    check("the bank's response signature and Content-Digest verify", len(results) == 1)

    tampered = requests.Response()
    tampered.status_code = response.status_code
    tampered.headers = response.headers.copy()
    tampered.request = response.request
    body = bytearray(response.content)
    body[-2] = body[-2] ^ 0x01
    try:
        verifier_.verify(tampered, expect_tag="fapi-2-response", body=bytes(body))
        failed = False
    except InvalidSignature:
        failed = True
    check("one byte of the body changed fails verification", failed)
    tampered.status_code = 201
    try:
        verifier_.verify(tampered, expect_tag="fapi-2-response", body=response.content)
        failed = False
    except InvalidSignature:
        failed = True
    check("another status fails verification", failed)


def main():
    process, ready = start_server()
    try:
        flow(ready["issuer"])
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    print(f"http-message-signatures interop: {passed} passed, 0 failed")


if __name__ == "__main__":
    main()
