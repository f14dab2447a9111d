"""Schemathesis hooks for tests/interop/schemathesis.py (this directory is put on
PYTHONPATH alone, so that the runner script does not shadow the schemathesis package): generators for rules a JSON Schema
cannot state, so that every schema-valid request the fuzzer sends is one a correct client
could send.

Each hook changes positive cases only (data the run claims the server must accept); negative
cases, which must be refused, go out as generated. Each names the rule it stands for and why
the OpenAPI document cannot carry it. Nothing here loosens a check: a server that refuses
what these hooks produce fails the run.
"""

import json
from pathlib import Path

import schemathesis
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey

ROOT = Path(__file__).resolve().parents[3]

# Sandbank's own subjects (the committed catalogue, one directory each): read-only, so a new
# schema under one is Confluent's error 42205, which depends on the subject's contents, not on
# the request's shape.
OWN_SUBJECTS = {path.name for path in (ROOT / "schemas").iterdir() if path.is_dir()}

REGISTRY_WRITES = {
    "/registry/subjects/{subject}/versions",
    "/registry/compatibility/subjects/{subject}/versions/{version}",
    "/registry/compatibility/subjects/{subject}/versions",
    "/registry/subjects/{subject}",
}


def _positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _public_jwks():
    """A freshly made P-256 public key: a schema can say `kty`, `crv` and the lengths of `x`
    and `y`, but not that the point lies on the curve, which the server checks."""
    key = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()))
    public = key.as_dict(private=False)
    public.update(alg="ES256", use="sig", kid="schemathesis")
    return {"keys": [public]}


def _registration(case):
    """Client registration (RFC 7591): the key material must be real keys, and redirect URIs
    (and the CIBA notification endpoint, and the logo) must be URLs that are https or loopback
    http - rules of URL parsing and of elliptic
    curves, which the document states in words."""
    body = case.body
    if not _positive(case) or not isinstance(body, dict):
        return case
    body["redirect_uris"] = ["http://127.0.0.1:9000/callback"]
    body.pop("jwks_uri", None)
    # The same URL rule for the CIBA ping endpoint and the logo.
    # CIBA's metadata depends on itself in ways a schema does not say: the grant needs a
    # delivery mode, and ping mode a notification endpoint.
    grants = body.get("grant_types")
    if isinstance(grants, list) and "urn:openid:params:grant-type:ciba" in grants:
        if body.get("backchannel_token_delivery_mode") not in ("poll", "ping"):
            body["backchannel_token_delivery_mode"] = "poll"
        if body["backchannel_token_delivery_mode"] == "ping":
            body["backchannel_client_notification_endpoint"] = "http://127.0.0.1:9000/ciba"
    if "backchannel_client_notification_endpoint" in body:
        body["backchannel_client_notification_endpoint"] = "http://127.0.0.1:9000/ciba"
    if "logo_uri" in body:
        body["logo_uri"] = "https://budget-buddy.example/logo.png"
    method = body.get("token_endpoint_auth_method")
    if method == "tls_client_auth":
        body.pop("jwks", None)
        if not isinstance(body.get("tls_client_auth_subject_dn"), str):
            body["tls_client_auth_subject_dn"] = "CN=schemathesis"
    else:
        body["jwks"] = _public_jwks()
    case.body = body
    return case


@schemathesis.hook.apply_to(method="POST", path="/register")
def map_case(context, case):
    return _registration(case)


@schemathesis.hook.apply_to(method="POST", path="/register")
def before_add_examples(context, examples):
    """The Examples phase builds cases from the document's examples without `map_case`."""
    for case in examples:
        _registration(case)


def _is_schema(text):
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return False
    return isinstance(value, (dict, bool))


@schemathesis.hook.apply_to(method="POST", path_regex=r"^/registry/")
def map_case(context, case):  # noqa: F811 - one hook per operation filter
    """Confluent's wire format carries the JSON Schema as a string; OpenAPI can say that the
    string is JSON (`contentMediaType`) but not that it holds a schema. A generated string
    that is not one becomes a small schema that keeps it (as a property name and a
    description), so the fuzzed text still reaches the server. Registering under one of
    Sandbank's own subjects moves to a subject of the user's (see OWN_SUBJECTS)."""
    if not _positive(case) or case.operation.path not in REGISTRY_WRITES:
        return case
    body = case.body
    if isinstance(body, dict) and not _is_schema(body.get("schema")):
        text = body.get("schema") if isinstance(body.get("schema"), str) else ""
        body["schema"] = json.dumps(
            {"type": "object", "description": text, "properties": {text: {"type": "string"}}}
        )
        case.body = body
    subject = (case.path_parameters or {}).get("subject")
    if case.operation.path == "/registry/subjects/{subject}/versions" and subject in OWN_SUBJECTS:
        case.path_parameters["subject"] = f"my-{subject}"
    return case
