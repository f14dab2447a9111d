#!/usr/bin/env python3
"""How long the server takes to refuse schemas built to make it work without end, and how
/health/live answers meanwhile: each hostile request is sent RUNS times to a fresh
`sandbank serve --ephemeral` while another thread asks /health/live every 10 ms.

    cargo build --release && python3 bench/hostile.py [RUNS] [BINARY]
"""
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
BINARY = sys.argv[2] if len(sys.argv) > 2 else "target/release/sandbank"


def fan_out(shape, levels=30):
    defs = {}
    for level in range(levels):
        ref = {"$ref": f"#/$defs/l{level + 1}"}
        defs[f"l{level}"] = {"type": "string"} if level + 1 == levels else shape(ref)
    return {"$ref": "#/$defs/l0", "$defs": defs}


SHAPES = {
    "allOf": fan_out(lambda r: {"allOf": [r] * 10}),
    "anyOf": fan_out(lambda r: {"anyOf": [r] * 10}),
    "oneOf": fan_out(lambda r: {"oneOf": [r] * 10}),
    "items": fan_out(lambda r: {"type": "array", "prefixItems": [r] * 10, "items": r}),
    "properties": fan_out(lambda r: {"type": "object", "properties": {f"p{i}": r for i in range(10)}}),
}


def post(url, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


process = subprocess.Popen([BINARY, "serve", "--ephemeral"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
url = json.loads(process.stdout.readline())["url"]
live, stop = [], threading.Event()


def probe():
    while not stop.is_set():
        asked = time.perf_counter()
        urllib.request.urlopen(url + "/health/live").read()
        live.append((time.perf_counter() - asked) * 1000)
        time.sleep(0.01)


prober = threading.Thread(target=probe)
prober.start()
for name, schema in SHAPES.items():
    for label, path, body in [
        ("native compatibility", "/schemas/account/compatibility", {"schema": schema}),
        ("Confluent register", f"/registry/subjects/hostile-{name}/versions", {"schema": json.dumps(schema)}),
    ]:
        times = []
        for _ in range(RUNS):
            asked = time.perf_counter()
            status = post(url, path, body)
            times.append((time.perf_counter() - asked) * 1000)
            if status != 422:
                raise SystemExit(f"{name} {label}: {status}, expected 422")
        print(f"{name:10} {label:21} 422 in median {statistics.median(times):6.1f} ms, max {max(times):6.1f} ms")
stop.set()
prober.join()
process.stdin.close()
process.wait(timeout=20)
live.sort()
print(f"/health/live meanwhile: {len(live)} answers, median {statistics.median(live):.1f} ms, max {live[-1]:.1f} ms")
