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
CONNECTIONS=${CONNECTIONS:-32}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

bench_routes() { # label
  local t; t=$(token admin)
  read -r h_rps _ h_p99 _ <<<"$(load /healthz "$t")"
  echo "| $1 | /healthz (ceiling) | $h_rps | $h_p99 | 1.00 |"
  for path in "/api/v1/institutions" "/api/v1/people"; do
    read -r rps _ p99 _ <<<"$(load "$path" "$t")"
    echo "| $1 | $path | $rps | $p99 | $(ratio "$rps" "$h_rps") |"
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
drop_pg gongdao_bench_demo gongdao_bench_synth
