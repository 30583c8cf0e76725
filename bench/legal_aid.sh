#!/usr/bin/env bash
# Benchmark of legal aid (issue 20), on SQLite and PostgreSQL:
#  1. filing applications with 50 concurrent clients (the district's reviewer at the
#     district's legal aid centre; bench/legal_aid.lua) against /healthz of the same
#     server, then a check that every filed case has its number, its history entry and
#     its audit entry;
#  2. `gongdao synth-legal-aid` adds CASES cases (1,000,000 by default, spread over five
#     years; timed), then wrk with one connection reads the list (first page of 50 with
#     the count), a filtered list, the figures of the last twelve months, and the
#     overview page itself (list, figures and chart), and a case's application form as
#     a PDF (laid out, the CJK font subset, written), the
#     p50 being the figure the issue names (< 100 ms).
# wrk is bounded by DURATION and talks to 127.0.0.1 only. Prints Markdown tables.
# Needs wrk, psql and sqlite3.
CASES=${CASES:-1000000}
CONNECTIONS=${CONNECTIONS:-50}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

echo "Machine: $(nproc) cores; wrk -c$CONNECTIONS (filing) and -c1 (reads) -d$DURATION on 127.0.0.1; $CASES synthetic cases."
echo
echo "| backend | route | requests/s | p50 ms | p99 ms | non-2xx | ratio |"
echo "|---|---|---:|---:|---:|---:|---:|"
declare -A CHECK SYNTH
for backend in sqlite postgres; do
  dir="$WORK/$backend"
  if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; where=$dir; else url=$(fresh_pg gongdao_bench_legal_aid); where=$url; fi
  start_server "$dir" "$url" --demo
  t=$(token reviewer)
  centre=$(curl -sf "$BASE/api/v1/institutions?type=legal_aid_center" -H "Authorization: Bearer $t" | python3 -c 'import sys, json; print(json.load(sys.stdin)["items"][0]["id"])')
  sed "s/CENTRE_ID/$centre/" bench/legal_aid.lua >"$WORK/legal_aid.lua"
  before=$(sql "$backend" "$where" "SELECT COUNT(*) FROM legal_aid_cases")
  maxid=$(sql "$backend" "$where" "SELECT COALESCE(MAX(id), 0) FROM legal_aid_cases")
  audit_before=$(sql "$backend" "$where" "SELECT COUNT(*) FROM audit_log WHERE object_type = 'legal_aid_case'")
  read -r h_rps h_p50 h_p99 h_bad <<<"$(load /healthz "$t")"
  echo "| $backend | GET /healthz (ceiling) | $h_rps | $h_p50 | $h_p99 | $h_bad | 1.00 |"
  read -r rps p50 p99 bad <<<"$(load /api/v1/legal-aid/cases "$t" "$CONNECTIONS" "$WORK/legal_aid.lua")"
  echo "| $backend | POST /api/v1/legal-aid/cases | $rps | $p50 | $p99 | $bad | $(ratio "$rps" "$h_rps") |"
  stop_server
  CHECK[$backend]=$(sql "$backend" "$where" "SELECT
      (SELECT COUNT(*) FROM legal_aid_cases) - $before,
      (SELECT COUNT(DISTINCT number) FROM legal_aid_cases) - $before,
      (SELECT COUNT(*) FROM legal_aid_events WHERE case_id > $maxid),
      (SELECT COUNT(*) FROM audit_log WHERE object_type = 'legal_aid_case') - $audit_before" | tr '|' ' ')
  t0=$(now)
  GONGDAO_LOG=warn "$BIN" synth-legal-aid --data-dir "$dir" --database-url "$url" --count "$CASES" >/dev/null 2>"$WORK/synth.log"
  SYNTH[$backend]=$(elapsed "$t0" "$(now)")
  if [ "$backend" = sqlite ]; then sql sqlite "$dir" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; else sql postgres "$url" "CHECKPOINT"; fi
  start_server "$dir" "$url"
  t=$(token reviewer)
  read -r h_rps h_p50 h_p99 h_bad <<<"$(load /healthz "$t" 1)"
  echo "| $backend | GET /healthz, 1 client (baseline) | $h_rps | $h_p50 | $h_p99 | $h_bad | 1.00 |"
  for path in "/api/v1/legal-aid/cases?per_page=50" "/api/v1/legal-aid/cases?status=handling&per_page=50" "/api/v1/legal-aid/figures" "/legal-aid" "/api/v1/legal-aid/cases/1/documents/application"; do
    read -r rps p50 p99 bad <<<"$(load "$path" "$t" 1)"
    echo "| $backend | GET $path | $rps | $p50 | $p99 | $bad | $(ratio "$p50" "$h_p50") × p50 |"
  done
  stop_server
done
echo
echo "| measure | SQLite | PostgreSQL |"
echo "|---|---:|---:|"
read -r -a s <<<"${CHECK[sqlite]}"
read -r -a p <<<"${CHECK[postgres]}"
labels=("cases filed during the run" "distinct numbers" "history entries of those cases" "audit entries")
for i in "${!labels[@]}"; do echo "| ${labels[$i]} | ${s[$i]} | ${p[$i]} |"; done
echo "| synth-legal-aid --count $CASES (s) | ${SYNTH[sqlite]} | ${SYNTH[postgres]} |"
drop_pg gongdao_bench_legal_aid
