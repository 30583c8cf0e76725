#!/usr/bin/env bash
# Benchmark of 好差评 (issue 21), on SQLite and PostgreSQL:
#  1. rating with 50 concurrent clients (each request a fresh token of an open
#     invitation written by `gongdao synth-evaluations --open`; one in ten a bad review,
#     which opens its rectification task in the same transaction) against /healthz of
#     the same server, then a check that every rating was kept once, every bad one has
#     its task, and the tallies equal a recount;
#  2. `gongdao synth-evaluations` adds EVALUATIONS rated services (2,000,000 by default,
#     over two years; timed), then wrk with one connection reads the figures of the
#     last twelve months, the overview page (figures, charts, the first page of the
#     list with its count) and the list — the p50 of the figures being what the issue
#     names (< 200 ms).
# wrk is bounded by DURATION and talks to 127.0.0.1 only. Prints Markdown tables.
# Needs wrk, psql and sqlite3.
EVALUATIONS=${EVALUATIONS:-2000000}
CONNECTIONS=${CONNECTIONS:-50}
OPEN=${OPEN:-200000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

echo "Machine: $(nproc) cores; wrk -c$CONNECTIONS (rating) and -c1 (reads) -d$DURATION on 127.0.0.1; $EVALUATIONS synthetic evaluations."
echo
echo "| backend | route | requests/s | p50 ms | p99 ms | non-2xx | ratio |"
echo "|---|---|---:|---:|---:|---:|---:|"
declare -A CHECK SYNTH
tally_check="SELECT
    (SELECT COUNT(*) FROM evaluations),
    (SELECT COUNT(*) FROM evaluations WHERE level <= 2),
    (SELECT COUNT(*) FROM rectifications WHERE evaluation_id IS NOT NULL),
    (SELECT SUM(v5 + v4 + v3 + v2 + v1 + excluded) FROM evaluation_tallies WHERE dim = 'all'),
    (SELECT COUNT(*) FROM evaluation_invitations WHERE used_at IS NOT NULL)"
for backend in sqlite postgres; do
  dir="$WORK/$backend"
  if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; where=$dir; else url=$(fresh_pg gongdao_bench_evaluation); where=$url; fi
  start_server "$dir" "$url" --demo
  stop_server
  GONGDAO_LOG=warn "$BIN" synth-evaluations --data-dir "$dir" --database-url "$url" --count 0 --open "$OPEN" --tokens "$WORK/tokens.txt" >/dev/null 2>"$WORK/synth.log"
  sed "s|TOKENS_FILE|$WORK/tokens.txt|" bench/evaluation.lua >"$WORK/evaluation.lua"
  start_server "$dir" "$url" --public-requests-per-second 1000000
  t=$(token leader)
  read -r h_rps h_p50 h_p99 h_bad <<<"$(load /healthz "$t")"
  echo "| $backend | GET /healthz (ceiling) | $h_rps | $h_p50 | $h_p99 | $h_bad | 1.00 |"
  read -r rps p50 p99 bad <<<"$(load /api/v1/evaluations "$t" "$CONNECTIONS" "$WORK/evaluation.lua")"
  echo "| $backend | POST /api/v1/evaluations | $rps | $p50 | $p99 | $bad | $(ratio "$rps" "$h_rps") |"
  stop_server
  CHECK[$backend]=$(sql "$backend" "$where" "$tally_check" | tr '|' ' ')
  t0=$(now)
  GONGDAO_LOG=warn "$BIN" synth-evaluations --data-dir "$dir" --database-url "$url" --count "$EVALUATIONS" >/dev/null 2>"$WORK/synth.log"
  SYNTH[$backend]=$(elapsed "$t0" "$(now)")
  if [ "$backend" = sqlite ]; then sql sqlite "$dir" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; else sql postgres "$url" "CHECKPOINT"; fi
  start_server "$dir" "$url"
  t=$(token leader)
  read -r h_rps h_p50 h_p99 h_bad <<<"$(load /healthz "$t" 1)"
  echo "| $backend | GET /healthz, 1 client (baseline) | $h_rps | $h_p50 | $h_p99 | $h_bad | 1.00 |"
  for path in "/api/v1/evaluations/figures" "/evaluations" "/api/v1/evaluations?per_page=50" "/api/v1/evaluations?level=bad&per_page=50" "/satisfaction"; do
    read -r rps p50 p99 bad <<<"$(load "$path" "$t" 1)"
    echo "| $backend | GET $path | $rps | $p50 | $p99 | $bad | $(ratio "$p50" "$h_p50") × p50 |"
  done
  stop_server
done
echo
echo "| measure (after the rating run) | SQLite | PostgreSQL |"
echo "|---|---:|---:|"
read -r -a s <<<"${CHECK[sqlite]}"
read -r -a p <<<"${CHECK[postgres]}"
labels=("evaluations kept" "of them bad reviews" "rectification tasks of reviews" "evaluations in the tallies" "invitations used")
for i in "${!labels[@]}"; do echo "| ${labels[$i]} | ${s[$i]} | ${p[$i]} |"; done
echo "| synth-evaluations --count $EVALUATIONS (s) | ${SYNTH[sqlite]} | ${SYNTH[postgres]} |"
drop_pg gongdao_bench_evaluation
