#!/usr/bin/env bash
# Benchmark of the dispatch board (issue 3) over a district with REQUESTS stored
# requests (1,000,000 by default; 5 % of them open), on SQLite and PostgreSQL.
#
# The demo district is seeded, `gongdao synth-requests` fills it (timed), then wrk with
# one connection (bounded by DURATION, on 127.0.0.1 only) asks for the board as the
# district's dispatcher: first page of 20 with the counts and the loads, unfiltered,
# filtered to overdue matters, to one township, and to one category. The p50 is the
# figure the issue names.
# Prints Markdown tables. Needs wrk and psql.
REQUESTS=${REQUESTS:-1000000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

echo "Machine: $(nproc) cores; $REQUESTS stored requests; wrk -c1 -d$DURATION on 127.0.0.1."
echo
echo "| backend | route | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---:|---:|---:|---:|"
declare -A SYNTH
for backend in sqlite postgres; do
  dir="$WORK/$backend"
  if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; else url=$(fresh_pg gongdao_bench_board); fi
  start_server "$dir" "$url" --demo
  stop_server
  t0=$(now)
  GONGDAO_LOG=warn "$BIN" synth-requests --data-dir "$dir" --database-url "$url" --count "$REQUESTS" >/dev/null 2>"$WORK/synth.log"
  SYNTH[$backend]=$(elapsed "$t0" "$(now)")
  # Flush the bulk load to disk first, so the figures measure the board, not the
  # checkpoint of a million fresh rows.
  if [ "$backend" = sqlite ]; then sql sqlite "$dir" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; else sql postgres "$url" "CHECKPOINT"; fi
  start_server "$dir" "$url"
  t=$(token dispatch)
  for path in "/api/v1/dispatch/board" "/api/v1/dispatch/board?overdue=true" "/api/v1/dispatch/board?region=220802100000" "/api/v1/dispatch/board?category=legal_aid"; do
    read -r rps p50 p99 bad <<<"$(load "$path" "$t" 1)"
    echo "| $backend | GET $path | $rps | $p50 | $p99 | $bad |"
  done
  stop_server
done
echo
echo "| measure | SQLite | PostgreSQL |"
echo "|---|---:|---:|"
echo "| synth-requests --count $REQUESTS (s) | ${SYNTH[sqlite]} | ${SYNTH[postgres]} |"
drop_pg gongdao_bench_board
