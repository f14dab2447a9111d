#!/usr/bin/env python3
"""Start-to-ready time of `sandbank serve` on an empty in-memory database with the default
dataset: spawn the release binary, wait for its ready line, stop it; repeat and report.

    cargo build --release && python3 bench/startup.py [RUNS]
"""
import json
import signal
import statistics
import subprocess
import sys
import time

BINARY = "target/release/sandbank"
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def once():
    started = time.perf_counter()
    process = subprocess.Popen(
        [BINARY, "serve", "--addr", "127.0.0.1:0", "--database-url", "sqlite::memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    if json.loads(line).get("event") != "ready":
        raise SystemExit(f"unexpected first line: {line!r}")
    return elapsed * 1000


times = sorted(once() for _ in range(RUNS))
print(f"start-to-ready over {RUNS} runs: median {statistics.median(times):.0f} ms, "
      f"min {times[0]:.0f} ms, max {times[-1]:.0f} ms")
