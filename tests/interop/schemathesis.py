"""Interop: schemathesis against the whole OpenAPI document.

Starts `target/debug/sandbank serve --ephemeral` (or $SANDBANK_BIN), reads the ready line for
the URL and the admin key, and runs `schemathesis run openapi/sandbank.json` against it with
every check (`--checks all`), a fixed seed and a bounded number of examples per operation
(settings and their reasons in tests/interop/schemathesis.toml), with the hooks in
tests/interop/hooks/schemathesis_hooks.py generating what no schema can describe (real keys, schema
strings). Failures already known are
listed, each with its reason, in tests/interop/schemathesis-baseline.json; any other failure or
error makes it exit non-zero. Talks only to the loopback server it started and stops it at the
end.

    python tests/interop/schemathesis.py [--max-examples N] [--seed S] [schemathesis options...]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("SANDBANK_BIN", str(ROOT / "target" / "debug" / "sandbank"))
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def start_server():
    # stdin is a pipe: `--ephemeral` stops when it closes, so the server cannot outlive us.
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


def stop_server(process):
    process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=20)
    args, extra = parser.parse_known_args()

    process, ready = start_server()
    started = time.monotonic()
    try:
        command = [
            str(SCHEMATHESIS),
            "--config-file",
            str(ROOT / "tests" / "interop" / "schemathesis.toml"),
            "run",
            str(ROOT / "openapi" / "sandbank.json"),
            "--url",
            ready["url"],
            "--checks",
            "all",
            "--seed",
            str(args.seed),
            "--max-examples",
            str(args.max_examples),
            # One worker: with the seed, the same requests in the same order every run.
            "--workers",
            "1",
            "--baseline",
            str(ROOT / "tests" / "interop" / "schemathesis-baseline.json"),
            "--no-color",
            *extra,
        ]
        env = dict(
            os.environ,
            SANDBANK_ADMIN_KEY=ready["adminKey"],
            # Generators for the rules no schema can state (tests/interop/hooks/schemathesis_hooks.py).
            SCHEMATHESIS_HOOKS="schemathesis_hooks",
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(ROOT / "tests" / "interop" / "hooks"), os.environ.get("PYTHONPATH")])
            ),
        )
        code = subprocess.run(command, env=env, cwd=ROOT / "target").returncode
    finally:
        stop_server(process)
    print(f"schemathesis exited with {code} after {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
