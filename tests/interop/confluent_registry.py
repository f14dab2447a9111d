"""Interop: Confluent's own Schema Registry client against Sandbank's /registry API.

Starts `target/debug/sandbank serve --addr 127.0.0.1:0 --database-url sqlite::memory:` (or $SANDBANK_BIN), reads the ready
line from stdout, points `confluent_kafka.schema_registry.SchemaRegistryClient` at URL/registry
and checks what a Kafka producer relies on: listing subjects, fetching the latest version of a
subject, registering a compatible new version and being refused an incompatible one (409);
then, on a server started with --registry-key, that writes need the key (sent as the Basic
password through basic.auth.user.info) and reads do not.
Talks only to the loopback server it started. Exits non-zero on the first failure.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("SANDBANK_BIN", str(ROOT / "target" / "debug" / "sandbank"))

checks = {"passed": 0}


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    checks["passed"] += 1
    print(f"ok: {what}")


def start_server(*extra):
    process = subprocess.Popen(
        [BINARY, "serve", "--addr", "127.0.0.1:0", "--database-url", "sqlite::memory:", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise RuntimeError("sandbank exited before printing its ready line")
    ready = json.loads(line)
    if ready.get("event") != "ready":
        process.kill()
        raise RuntimeError(f"unexpected first line: {line!r}")
    return process, ready["url"]


def order(amount_type, order_id_max=None):
    order_id = {"type": "string"}
    if order_id_max is not None:
        order_id["maxLength"] = order_id_max
    return json.dumps(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Order",
            "type": "object",
            "properties": {"orderId": order_id, "amount": {"type": amount_type}},
            "required": ["orderId"],
        }
    )


def run(url):
    registry = f"{url}/registry"
    client = SchemaRegistryClient({"url": registry})

    subjects = client.get_subjects()
    check("account" in subjects and "transaction" in subjects, "get_subjects lists Sandbank's schemas")

    latest = client.get_latest_version("account")
    document = json.loads(latest.schema.schema_str)
    check(latest.schema.schema_type == "JSON", "the latest account schema is a JSON schema")
    check(
        document["$id"].startswith("https://sandbank.example/schemas/account/"),
        "the latest account schema is Sandbank's account document",
    )
    # The catalogue's versions of a schema are the subject's versions, oldest first (account has
    # 1.0.0 and 1.1.0 in schemas/account/): the latest is the last, and it is the newest document.
    versions = client.get_versions("account")
    check(
        latest.subject == "account"
        and versions == list(range(1, len(versions) + 1))
        and len(versions) >= 2
        and latest.version == versions[-1]
        and client.get_version("account", 1).schema.schema_str != latest.schema.schema_str,
        "subject and version are reported",
    )
    by_id = client.get_schema(latest.schema_id)
    check(json.loads(by_id.schema_str) == document, "get_schema by id returns the same document")

    subject = "interop-orders-value"
    first = client.register_schema(subject, Schema(order("string"), "JSON"))
    # Widening `amount` to string-or-null: new readers accept all old data (BACKWARD).
    second = client.register_schema(subject, Schema(order(["string", "null"]), "JSON"))
    check(second != first, "a compatible new version is registered with a new id")
    check(client.get_versions(subject) == [1, 2], "the subject has two versions")

    fresh = SchemaRegistryClient({"url": registry})
    again = fresh.register_schema(subject, Schema(order(["string", "null"]), "JSON"))
    check(again == second, "registering the same schema again returns the same id")

    narrower = Schema(order(["string", "null"], order_id_max=3), "JSON")
    check(not client.test_compatibility(subject, narrower), "test_compatibility reports the narrowing")
    try:
        client.register_schema(subject, narrower)
    except SchemaRegistryError as error:
        check(
            error.http_status_code == 409 and error.error_code == 409,
            f"an incompatible schema is refused with 409 ({error.error_message[:80]}...)",
        )
    else:
        raise AssertionError("an incompatible schema was registered")

    try:
        client.register_schema("account", Schema(order("string"), "JSON"))
    except SchemaRegistryError as error:
        check(error.error_code == 42205, "Sandbank's own subjects are read-only (42205)")
    else:
        raise AssertionError("a schema was registered into a read-only subject")


REGISTRY_KEY = "interop-registry-key"


def run_keyed(url):
    """A server started with --registry-key: the client registers with basic.auth.user.info."""
    registry = f"{url}/registry"
    anonymous = SchemaRegistryClient({"url": registry})
    try:
        anonymous.register_schema("keyed-value", Schema(order("string"), "JSON"))
    except SchemaRegistryError as error:
        check(error.http_status_code == 401 and error.error_code == 401, "a write without the registry key is refused (401)")
    else:
        raise AssertionError("a schema was registered without the registry key")
    check("account" in anonymous.get_subjects(), "reads need no registry key")
    keyed = SchemaRegistryClient({"url": registry, "basic.auth.user.info": f"producer:{REGISTRY_KEY}"})
    schema_id = keyed.register_schema("keyed-value", Schema(order("string"), "JSON"))
    check(keyed.get_versions("keyed-value") == [1], f"the client registers with the key as Basic password (id {schema_id})")


def serve_and_run(check_run, *extra):
    process, url = start_server(*extra)
    try:
        check_run(url)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    try:
        serve_and_run(run)
        serve_and_run(run_keyed, "--registry-key", REGISTRY_KEY)
    except Exception as error:  # report, stop the server, fail
        print(f"FAILED: {error!r}", file=sys.stderr)
        print(f"interop: {checks['passed']} passed, 1 failed")
        return 1
    print(f"interop: {checks['passed']} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
