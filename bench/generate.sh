#!/usr/bin/env bash
# Generation at scale: about 1,000,000 transactions generated and written to a fresh SQLite
# file, with wall time and peak memory (GNU time's maximum resident set size).
#
#   bash bench/generate.sh [CUSTOMERS]
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-1650}"
cargo build --release -q
db="$(mktemp -d)/bank.db"
/usr/bin/time -f "wall %e s, peak memory %M KB" \
  target/release/sandbank generate --customers "$customers" --months 12 --database-url "sqlite:$db"
rm -rf "$(dirname "$db")"
