#!/usr/bin/env bash
# Benchmark of the plan's dashboard for a province (issue 22), on PostgreSQL: the
# synthetic province (60 districts, 1,000 townships, 15,000 villages, 100,000 people),
# one plan imported for the installation (so every district has it), REQUESTS matters
# and EVENTS events spread over the province; then one province-wide client reads every
# district's indicators (60 × the plan's), the comparison dashboard, and one district's
# dashboard, against /healthz of the same server. wrk bounded by DURATION, 127.0.0.1.
REQUESTS=${REQUESTS:-1000000}
EVENTS=${EVENTS:-100000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

echo "Machine: $(nproc) cores; wrk -c1 -d$DURATION on 127.0.0.1; PostgreSQL; $REQUESTS matters and $EVENTS events over the province."
echo
echo "| setup | route | requests/s | p50 ms | p99 ms | non-2xx | ratio |"
echo "|---|---|---:|---:|---:|---:|---:|"
dir="$WORK/province"
url=$(fresh_pg gongdao_bench_plan_province)
export GONGDAO_HOME_REGION=520000
# The synthetic province's only account is its administrator; a second factor is not
# what this measures.
printf 'totp_required_roles = []\n' >"$WORK/gongdao.toml"
export GONGDAO_CONFIG="$WORK/gongdao.toml"
GONGDAO_LOG=warn "$BIN" synth --data-dir "$dir" --database-url "$url" >/dev/null 2>"$WORK/synth.log"
"$BIN" plan import data/plan/taobei-2021-2025.toml --data-dir "$dir" --database-url "$url" >/dev/null
GONGDAO_LOG=warn "$BIN" synth-requests --data-dir "$dir" --database-url "$url" --count "$REQUESTS" >/dev/null 2>>"$WORK/synth.log"
GONGDAO_LOG=warn "$BIN" synth-events --data-dir "$dir" --database-url "$url" --count "$EVENTS" >/dev/null 2>>"$WORK/synth.log"
sql postgres "$url" "CHECKPOINT"
start_server "$dir" "$url" --home-region 520000
t=$(token admin)
district=$(sql postgres "$url" "SELECT code FROM regions WHERE level = 'district' ORDER BY code LIMIT 1")
t0=$(now)
curl -sf -o /dev/null -H "Authorization: Bearer $t" "$BASE/dashboard?district=$district"
first=$(elapsed "$t0" "$(now)")
read -r h_rps h_p50 h_p99 h_bad <<<"$(load /healthz "$t" 1)"
echo "| province, PostgreSQL | GET /healthz, 1 client (baseline) | $h_rps | $h_p50 | $h_p99 | $h_bad | 1.00 |"
for path in /api/v1/plan/indicators /dashboard "/dashboard?district=$district" "/api/v1/plan/indicators?district=$district"; do
  read -r rps p50 p99 bad <<<"$(load "$path" "$t" 1)"
  echo "| province, PostgreSQL | GET $path | $rps | $p50 | $p99 | $bad | $(ratio "$p50" "$h_p50") × p50 |"
done
stop_server
echo
echo "First dashboard of one district (counts its closed months once): ${first} s."
drop_pg gongdao_bench_plan_province
