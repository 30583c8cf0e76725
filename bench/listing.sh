#!/usr/bin/env bash
# Load benchmark of the directory listings (issue 2) against a server on loopback.
#
# For SQLite and PostgreSQL, and for the demo district and a synthetic province
# (60 districts, 1,000 townships, 15,000 villages, 100,000 people):
#   - cold start of `serve --demo` on an empty data folder to the first 200 on /healthz
#   - time to generate the synthetic province
#   - wrk (bounded by DURATION, CONNECTIONS on 127.0.0.1 only) on /healthz, the ceiling,
#     and on /api/v1/institutions and /api/v1/people; throughput as a ratio of the ceiling.
# Prints a Markdown table. Needs wrk and psql (Debian packages wrk, postgresql-client).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18808}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN%/*}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/gongdao"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

wait_healthy() {
  for _ in $(seq 1 600); do
    curl -sf "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server did not become healthy" >&2; return 1
}

start_server() { # data_dir database_url extra-args…
  local dir=$1 url=$2; shift 2
  GONGDAO_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$dir" --database-url "$url" "$@" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  wait_healthy
}

stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }

token() {
  curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"gongdao-demo"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])'
}

# wrk → "requests_per_second p99_ms"
load() { # path token
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $2" "$BASE$1")
  local rps p99
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) { sub("ms", "", v) } else if (v ~ /s$/) { sub("s", "", v); v *= 1000 } printf "%.2f", v }' <<<"$out")
  echo "$rps $p99"
}

fresh_pg() { # name → url
  psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  echo "$PG_BASE/$1"
}

bench_routes() { # label
  local t; t=$(token)
  read -r h_rps h_p99 <<<"$(load /healthz "$t")"
  echo "| $1 | /healthz (ceiling) | $h_rps | $h_p99 | 1.00 |"
  for path in "/api/v1/institutions" "/api/v1/people"; do
    read -r rps p99 <<<"$(load "$path" "$t")"
    echo "| $1 | $path | $rps | $p99 | $(awk -v a="$rps" -v b="$h_rps" 'BEGIN { printf "%.2f", a / b }') |"
  done
}

echo "Machine: $(nproc) cores; wrk -t2 -c$CONNECTIONS -d$DURATION on 127.0.0.1; listing pages of 100 rows with their total."
echo
echo "| setup | route | requests/s | p99 ms | ratio to ceiling |"
echo "|---|---|---:|---:|---:|"
declare -A COLD SYNTH
for backend in sqlite postgres; do
  dir="$WORK/$backend-demo"
  if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; else url=$(fresh_pg gongdao_bench_demo); fi
  t0=$(now); start_server "$dir" "$url" --demo; t1=$(now)
  COLD[$backend]=$(elapsed "$t0" "$t1")
  bench_routes "demo district, $backend"
  stop_server

  dir="$WORK/$backend-synth"
  if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; else url=$(fresh_pg gongdao_bench_synth); fi
  t0=$(now); GONGDAO_LOG=warn "$BIN" synth --data-dir "$dir" --database-url "$url" >/dev/null 2>"$WORK/synth.log"; t1=$(now)
  SYNTH[$backend]=$(elapsed "$t0" "$t1")
  start_server "$dir" "$url" --home-region 520000
  bench_routes "province (100k people), $backend"
  stop_server
done
echo
echo "| measure | SQLite | PostgreSQL |"
echo "|---|---:|---:|"
echo "| cold start of serve --demo on an empty data folder to 200 on /healthz (s) | ${COLD[sqlite]} | ${COLD[postgres]} |"
echo "| generate the synthetic province: 60 districts, 1,000 townships, 15,000 villages, 100,000 people (s) | ${SYNTH[sqlite]} | ${SYNTH[postgres]} |"
psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS gongdao_bench_demo WITH (FORCE)" -c "DROP DATABASE IF EXISTS gongdao_bench_synth WITH (FORCE)" >/dev/null
