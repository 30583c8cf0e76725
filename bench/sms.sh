#!/usr/bin/env bash
# SMS delivery after a burst of filings (issue 19, defect 8): the hotline files matters
# as fast as intake takes them for DURATION (wrk, 50 connections, bench/intake.lua),
# each with an SMS receipt; a stand-in gateway on loopback (bench/sms_gateway.py)
# answers each SMS after GATEWAY_MS. Measured: filings a second, SMS a second while
# and after filing, and how long after the burst the last receipt left. The baseline
# in the same run is intake's own rate: delivery keeps up when the ratio is near 1.
# Prints a Markdown table. Needs wrk, python3, psql.
CONNECTIONS=${CONNECTIONS:-50}
GATEWAY_MS=${GATEWAY_MS:-30}
GATEWAY_PORT=${GATEWAY_PORT:-18810}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

gateway_count() { curl -sf "http://127.0.0.1:$GATEWAY_PORT/count" | python3 -c 'import sys, json; d = json.load(sys.stdin); print(d["count"], d["last"])'; }

echo "Machine: $(nproc) cores; wrk -t2 -c$CONNECTIONS -d$DURATION; gateway answers in $GATEWAY_MS ms."
echo
echo "| backend | filings | filings/s | SMS/s (start of burst to last SMS) | last SMS after the burst ended (s) | ratio SMS/s ÷ filings/s |"
echo "|---|---:|---:|---:|---:|---:|"
for backend in ${BACKENDS:-sqlite postgres}; do
  dir="$WORK/$backend"
  if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; where=$dir; else url=$(fresh_pg gongdao_bench_sms); where=$url; fi
  GATEWAY_MS=$GATEWAY_MS python3 bench/sms_gateway.py "$GATEWAY_PORT" &
  GATEWAY=$!
  # The shipped settings (the work loop every 5 s) with the gateway.
  echo "sms_webhook_url = \"http://127.0.0.1:$GATEWAY_PORT/sms\"" >"$WORK/sms.toml"
  GONGDAO_CONFIG="$WORK/sms.toml" start_server "$dir" "$url" --demo
  t=$(token hotline)
  sleep 3 # the demo's own SMS go first
  read -r before _ <<<"$(gateway_count)"
  filed_before=$(sql "$backend" "$where" "SELECT COUNT(*) FROM service_requests")
  t0=$(now)
  read -r rps _ _ _ <<<"$(load /api/v1/requests "$t" "$CONNECTIONS" bench/intake.lua)"
  t1=$(now)
  filed=$(( $(sql "$backend" "$where" "SELECT COUNT(*) FROM service_requests") - filed_before ))
  # Wait (bounded: ten minutes) until every receipt has reached the gateway.
  for _ in $(seq 1 1200); do
    read -r count last <<<"$(gateway_count)"
    [ $((count - before)) -ge "$filed" ] && break
    sleep 0.5
  done
  read -r count last <<<"$(gateway_count)"
  sent=$((count - before))
  sms_rate=$(awk -v n="$sent" -v a="$t0" -v b="$last" 'BEGIN { printf "%.1f", n / (b - a) }')
  lag=$(awk -v a="$t1" -v b="$last" 'BEGIN { printf "%.1f", b - a }')
  filed_rate=$(awk -v n="$filed" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
  echo "| $backend | $filed | $filed_rate | $sms_rate | $lag | $(ratio "$sms_rate" "$filed_rate") |"
  [ "$sent" -ge "$filed" ] || echo "| $backend | only $sent of $filed SMS arrived | | | | |"
  stop_server
  kill "$GATEWAY" 2>/dev/null || true; wait "$GATEWAY" 2>/dev/null || true
done
drop_pg gongdao_bench_sms
