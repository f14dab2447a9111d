#!/usr/bin/env python3
"""Start-to-ready time of `sandbank serve --ephemeral` (in-memory database, free port, the
default dataset): spawn the release binary with a pipe on stdin, wait for its ready line,
close the pipe (which stops it) and wait for it to exit; repeat and report.

    cargo build --release && python3 bench/startup.py [RUNS]
"""
import json
import statistics
import subprocess
import sys
import time

BINARY = "target/release/sandbank"
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def once():
    started = time.perf_counter()
    process = subprocess.Popen(
        [BINARY, "serve", "--ephemeral"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    ready = time.perf_counter() - started
    process.stdin.close()
    if process.wait(timeout=10) != 0:
        raise SystemExit(f"sandbank exited with {process.returncode} when its stdin closed")
    if json.loads(line).get("event") != "ready":
        raise SystemExit(f"unexpected first line: {line!r}")
    return ready * 1000


times = sorted(once() for _ in range(RUNS))
print(f"serve --ephemeral, start-to-ready over {RUNS} runs: median {statistics.median(times):.0f} ms, "
      f"min {times[0]:.0f} ms, max {times[-1]:.0f} ms")
