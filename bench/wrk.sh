#!/usr/bin/env bash
# Load test of the bank API's heaviest read with wrk (Debian package `wrk`): requests per second
# and latency percentiles of GET /accounts/{id}/transactions?pageSize=100, every request with a
# fresh DPoP proof that the server verifies (signature, htm/htu, ath, jti replay check in the
# database), against the release binary on a SQLite file with the default dataset.
#
#   bash bench/wrk.sh [SECONDS] [CONNECTIONS]
#
# Proofs are signed beforehand by flow_bench (wrk's Lua has no crypto); they must be used within
# the server's 120 s proof-age window, so keep SECONDS well under that.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
connections="${2:-8}"
threads=2
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
cargo build --release -q -p sandbank
cargo build --release -q -p sandbank-fapi --example flow_bench

work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
target/release/sandbank serve --addr 127.0.0.1:0 --database-url "sqlite:$work/bank.db" \
  --auto-consent >"$work/ready" 2>"$work/log" &
server=$!
for _ in $(seq 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
url="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/ready")"

# Enough proofs for a generous 5,000 requests/s; unused ones cost nothing.
proofs=$((seconds * 5000))
target/release/examples/flow_bench "$url" --wrk-proofs "$work/proofs" "$proofs"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
  -s bench/wrk-dpop.lua "$url" -- "$work/proofs" "$threads"
