# Shared helpers of the load benchmarks: one server on loopback, wrk bounded in time
# and connections, fresh databases. Sourced by the bench/*.sh scripts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18808}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN%/*}
export PGOPTIONS="--client-min-messages=warning"
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/gongdao"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

wait_healthy() {
  for _ in $(seq 1 1200); do
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

token() { # username
  curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"${1:-admin}\",\"password\":\"gongdao-demo\"}" | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])'
}

# wrk output → milliseconds of the given percentile line ("50%", "99%").
percentile() { # label
  awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) { sub("ms", "", v) } else if (v ~ /s$/) { sub("s", "", v); v *= 1000 } printf "%.2f", v }'
}

# wrk → "requests_per_second p50_ms p99_ms non2xx"
load() { # path token [connections] [script]
  local c=${3:-$CONNECTIONS}
  local out args=(-t"$((c < 2 ? c : 2))" -c"$c" -d"$DURATION" --latency -H "Authorization: Bearer $2")
  [ -n "${4:-}" ] && args+=(-s "$4")
  out=$(wrk "${args[@]}" "$BASE$1")
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  p50=$(percentile "50%" <<<"$out")
  p99=$(percentile "99%" <<<"$out")
  bad=$(awk '/Non-2xx/ { print $5 }' <<<"$out")
  echo "$rps $p50 $p99 ${bad:-0}"
}

fresh_pg() { # name → url
  psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  echo "$PG_BASE/$1"
}

drop_pg() { # names…
  for name in "$@"; do psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null; done
}

# A single SQL answer from either backend.
sql() { # backend data_dir_or_url query
  if [ "$1" = sqlite ]; then sqlite3 "$2/gongdao.db" "$3"; else psql -qtA "$2" -c "$3"; fi
}
