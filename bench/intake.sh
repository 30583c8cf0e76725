#!/usr/bin/env bash
# Load benchmark of intake (issue 3): POST /api/v1/requests with 50 concurrent clients.
#
# For SQLite and PostgreSQL, on a fresh demo district: wrk (bounded by DURATION, on
# 127.0.0.1 only) first on /healthz of the same server, the ceiling, then on intake as
# the 12348 hotline agent (bench/intake.lua). Afterwards the database is checked: every
# created request has its number, its timeline event, its deadline job, its SMS receipt
# in the outbox and its audit entry.
# Prints Markdown tables. Needs wrk, psql and sqlite3.
CONNECTIONS=${CONNECTIONS:-50}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

echo "Machine: $(nproc) cores; wrk -t2 -c$CONNECTIONS -d$DURATION on 127.0.0.1."
echo
echo "| backend | route | requests/s | p50 ms | p99 ms | non-2xx | ratio to ceiling |"
echo "|---|---|---:|---:|---:|---:|---:|"
declare -A CHECK
for backend in sqlite postgres; do
  dir="$WORK/$backend"
  if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; where=$dir; else url=$(fresh_pg gongdao_bench_intake); where=$url; fi
  start_server "$dir" "$url" --demo
  t=$(token hotline)
  before=$(sql "$backend" "$where" "SELECT COUNT(*) FROM service_requests")
  read -r h_rps h_p50 h_p99 h_bad <<<"$(load /healthz "$t")"
  echo "| $backend | GET /healthz (ceiling) | $h_rps | $h_p50 | $h_p99 | $h_bad | 1.00 |"
  read -r rps p50 p99 bad <<<"$(load /api/v1/requests "$t" "$CONNECTIONS" bench/intake.lua)"
  echo "| $backend | POST /api/v1/requests | $rps | $p50 | $p99 | $bad | $(ratio "$rps" "$h_rps") |"
  stop_server
  CHECK[$backend]=$(sql "$backend" "$where" "SELECT
      (SELECT COUNT(*) FROM service_requests) - $before,
      (SELECT COUNT(DISTINCT number) FROM service_requests) - $before,
      (SELECT COUNT(*) FROM request_events WHERE kind = 'received') - $before,
      (SELECT COUNT(*) FROM jobs WHERE kind = 'deadline') - $before,
      (SELECT COUNT(*) FROM outbox WHERE template = 'receipt'),
      (SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND object_type = 'service_request') - $before" | tr '|' ' ')
done
echo
echo "| written during the run | SQLite | PostgreSQL |"
echo "|---|---:|---:|"
read -r -a s <<<"${CHECK[sqlite]}"
read -r -a p <<<"${CHECK[postgres]}"
labels=("requests" "distinct numbers" "timeline events (received)" "deadline jobs" "SMS receipts in the outbox" "audit entries")
for i in "${!labels[@]}"; do echo "| ${labels[$i]} | ${s[$i]} | ${p[$i]} |"; done
drop_pg gongdao_bench_intake
