#!/usr/bin/env bash
# Load test of the bank API's heaviest read with wrk (Debian package `wrk`): requests per second
# and latency percentiles of GET /accounts/{id}/transactions?pageSize=100, every request with a
# fresh DPoP proof that the server verifies (signature, htm/htu, ath, jti replay check in the
# database), against the release binary on a SQLite file with the default dataset.
#
#   bash bench/wrk.sh [SECONDS] [CONNECTIONS] [RUNS]
#
# RUNS: `all` (the default) runs the load three times in one go, on a fresh server each time,
# so the figures come from the same machine and build:
#   1. as served by default: HTTP message signatures on responses (`serve --sign-responses
#      true`: Content-Digest and an ES256 signature on every response) and the privacy
#      dashboard's access history recorded (`--access-history true`: a row per request);
#   2. without response signatures (`--sign-responses false`);
#   3. without the access history (`--access-history false`).
# `signing` runs 1 and 2, `history` runs 1 and 3, `default` runs 1 alone.
#
# Proofs are signed beforehand by flow_bench (wrk's Lua has no crypto); they must be used within
# the server's 120 s proof-age window, so keep SECONDS well under that.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
connections="${2:-8}"
runs="${3:-all}"
threads=2
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
cargo build --release -q -p sandbank
cargo build --release -q -p sandbank-fapi --example flow_bench

server=""
work=""
trap 'kill "$server" 2>/dev/null || true; [ -n "$work" ] && rm -rf "$work"' EXIT

# One load run against a fresh server: responses signed when $1 is true, the access history
# recorded when $2 is true.
run() {
  local sign="$1" history="$2"
  work="$(mktemp -d)"
  target/release/sandbank serve --addr 127.0.0.1:0 --database-url "sqlite:$work/bank.db" \
    --auto-consent --sign-responses "$sign" --access-history "$history" >"$work/ready" 2>"$work/log" &
  server=$!
  for _ in $(seq 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
  url="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/ready")"
  # Enough proofs for a generous 5,000 requests/s; unused ones cost nothing.
  proofs=$((seconds * 5000))
  target/release/examples/flow_bench "$url" --wrk-proofs "$work/proofs" "$proofs"
  echo "== GET /accounts/{id}/transactions?pageSize=100, response signatures: $sign, access history: $history"
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
    -s bench/wrk-dpop.lua "$url" -- "$work/proofs" "$threads"
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
  work=""
}

case "$runs" in
  all) run true true; run false true; run true false ;;
  signing) run true true; run false true ;;
  history) run true true; run true false ;;
  default) run true true ;;
  *) echo "RUNS must be all, signing, history or default" >&2; exit 2 ;;
esac
