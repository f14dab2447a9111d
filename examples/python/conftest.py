"""pytest fixtures that start a throwaway Sandbank for the test session and sign customers in.

    bank      the running bank: url, issuer, admin_key (session-wide)
    client    an app registered at that bank by DCR (session-wide)
    login_as  login_as("alice") -> a Session whose .get() sends DPoP-bound requests

The binary is $SANDBANK_BIN, or target/debug/sandbank of this repository (`cargo build`).
"""

import json
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from fapi import Client, Session

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 30  # generous: a debug build on a busy CI machine
SCOPES = "accounts balances transactions"


@dataclass
class Bank:
    """What the ready line tells about a running bank."""

    url: str
    issuer: str
    admin_key: str  # bearer token of the sandbox control API (/sandbox)


def read_line(stream, timeout: float) -> str:
    """The next line of `stream`, or "" when none comes within `timeout` seconds."""
    line = []
    reader = threading.Thread(target=lambda: line.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return line[0] if line else ""


@pytest.fixture(scope="session")
def bank(tmp_path_factory):
    binary = Path(os.environ.get("SANDBANK_BIN", REPO_ROOT / "target" / "debug" / "sandbank"))
    if not binary.is_file():
        message = f"no Sandbank binary at {binary}: run `cargo build` (or set SANDBANK_BIN)"
        pytest.fail(message, pytrace=False)

    log = tmp_path_factory.mktemp("sandbank") / "sandbank.log"
    with open(log, "w") as log_file:
        # --ephemeral: in-memory database, free port, headless consent. Its stdin is a pipe we
        # hold: if this test process dies, the pipe closes and the bank exits by itself.
        process = subprocess.Popen(
            [binary, "serve", "--ephemeral"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    line = read_line(process.stdout, READY_TIMEOUT_SECONDS)
    if not line:
        process.kill()
        process.wait()
        message = f"Sandbank printed no ready line; its log ({log}):\n{log.read_text()}"
        pytest.fail(message, pytrace=False)
    ready = json.loads(line)  # {"event": "ready", "url": ..., "issuer": ..., "adminKey": ...}
    assert ready["event"] == "ready"

    yield Bank(ready["url"], ready["issuer"], ready["adminKey"])

    process.stdin.close()  # an ephemeral bank exits when its stdin closes (SIGTERM works too)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


@pytest.fixture(scope="session")
def client(bank) -> Client:
    return Client.register(bank.issuer)


@pytest.fixture(scope="session")
def login_as(client):
    """login_as(username, scope=SCOPES): a session for that persona (password not needed)."""

    def login(username: str, scope: str = SCOPES) -> Session:
        return client.login_as(username, scope)

    return login
