#!/usr/bin/env bash
# Benchmark of the plan's dashboard (issue 22), on SQLite and PostgreSQL. The demo
# district (with its plan) gets REQUESTS synthetic matters (1,000,000 by default, over
# two years), LEGAL_AID legal aid cases, EVALUATIONS ratings and EVENTS events (100,000);
# then one client reads
# the indicators, the twelve months' volumes, the dashboard page (everything the leader
# sees: indicators, trends, charts, township grid) and the large screen, against
# /healthz of the same server — the dashboard's p50 being what the issue names
# (< 300 ms). The first dashboard after the data arrived counts the closed months once
# (kept in plan_volumes): timed apart. wrk is bounded by DURATION, on 127.0.0.1 only.
# Needs wrk, psql and sqlite3.
REQUESTS=${REQUESTS:-1000000}
LEGAL_AID=${LEGAL_AID:-100000}
EVALUATIONS=${EVALUATIONS:-500000}
EVENTS=${EVENTS:-100000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

echo "Machine: $(nproc) cores; wrk -c1 -d$DURATION on 127.0.0.1; $REQUESTS matters, $LEGAL_AID legal aid cases, $EVALUATIONS ratings, $EVENTS events."
echo
echo "| backend | route | requests/s | p50 ms | p99 ms | non-2xx | ratio |"
echo "|---|---|---:|---:|---:|---:|---:|"
declare -A FIRST
for backend in sqlite postgres; do
  dir="$WORK/$backend"
  if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; else url=$(fresh_pg gongdao_bench_plan); fi
  start_server "$dir" "$url" --demo
  stop_server
  GONGDAO_LOG=warn "$BIN" synth-requests --data-dir "$dir" --database-url "$url" --count "$REQUESTS" >/dev/null 2>"$WORK/synth.log"
  GONGDAO_LOG=warn "$BIN" synth-legal-aid --data-dir "$dir" --database-url "$url" --count "$LEGAL_AID" >/dev/null 2>>"$WORK/synth.log"
  GONGDAO_LOG=warn "$BIN" synth-evaluations --data-dir "$dir" --database-url "$url" --count "$EVALUATIONS" >/dev/null 2>>"$WORK/synth.log"
  GONGDAO_LOG=warn "$BIN" synth-events --data-dir "$dir" --database-url "$url" --count "$EVENTS" >/dev/null 2>>"$WORK/synth.log"
  if [ "$backend" = sqlite ]; then sql sqlite "$dir" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; else sql postgres "$url" "CHECKPOINT"; fi
  start_server "$dir" "$url"
  t=$(token leader)
  t0=$(now)
  curl -sf -o /dev/null -H "Authorization: Bearer $t" "$BASE/dashboard"
  FIRST[$backend]=$(elapsed "$t0" "$(now)")
  read -r h_rps h_p50 h_p99 h_bad <<<"$(load /healthz "$t" 1)"
  echo "| $backend | GET /healthz, 1 client (baseline) | $h_rps | $h_p50 | $h_p99 | $h_bad | 1.00 |"
  for path in /api/v1/plan/indicators /api/v1/plan/volumes /dashboard /dashboard/screen; do
    read -r rps p50 p99 bad <<<"$(load "$path" "$t" 1)"
    echo "| $backend | GET $path | $rps | $p50 | $p99 | $bad | $(ratio "$p50" "$h_p50") × p50 |"
  done
  stop_server
done
echo
echo "| measure | SQLite | PostgreSQL |"
echo "|---|---:|---:|"
echo "| first dashboard after the data arrived: counts the 11 closed months once (s) | ${FIRST[sqlite]} | ${FIRST[postgres]} |"
drop_pg gongdao_bench_plan
