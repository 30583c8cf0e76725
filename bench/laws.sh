#!/usr/bin/env bash
# Benchmark of the law knowledge base (issue 4), on SQLite:
# - import of the full corpus with the index build (`gongdao laws import`, timed, peak memory);
# - search latency: wrk with 8 connections for DURATION on 127.0.0.1, each request a
#   different question of the development set (bench/laws.lua), against /healthz of the
#   same server as the ceiling;
# - the server's resident memory with the corpus loaded, after the load;
# - search quality: `gongdao laws eval` on the development set and the own questions
#   (data/laws/qa-local.jsonl), with both baselines and their per-query times.
# - with EMBEDDED=DIR, a data folder whose corpus `gongdao laws embed` already embedded
#   (an hour's work, not repeated per run): the same load with semantic re-ranking
#   (`semantic=true`, the question encoded per request), the resident memory with the
#   model and the vectors, and the quality with the semantic row, on a copy of it.
# Prints Markdown. Needs wrk and /usr/bin/time. LAWS and QUESTIONS override the paths.
LAWS=${LAWS:-../shared/laws}
export QUESTIONS=${QUESTIONS:-../shared/qa-dev/stard-dev.jsonl}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

dir="$WORK/sqlite"
mkdir -p "$dir"
/usr/bin/time -f "%e %M" -o "$WORK/import.time" "$BIN" laws import "$LAWS" --data-dir "$dir" >"$WORK/import.out" 2>"$WORK/import.err"
read -r import_s import_kb <"$WORK/import.time"
echo "Machine: $(nproc) cores; corpus $LAWS."
echo
echo '```'
grep -E "导入完成|数据库中现有|检索索引" "$WORK/import.out"
echo '```'
echo
echo "| measure | value |"
echo "|---|---:|"
echo "| import + index build, wall clock (s) | $import_s |"
echo "| import process peak memory (MB) | $((import_kb / 1024)) |"

# The server's CPU time so far, in clock ticks (user + system, all its threads): what a
# request costs, steadier than latency on a shared machine.
server_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }

# Waits (at most a minute) until a search for 工资 with the extra parameters answers
# with the given text: the index is built, or the vectors are read.
wait_for_search() { # extra-parameters expected-text
  for _ in $(seq 1 600); do
    curl -s "$BASE/api/v1/laws/search?q=%E5%B7%A5%E8%B5%84$1" | grep -q "$2" && return 0
    sleep 0.1
  done
}

GONGDAO_LAW_SEARCHES_PER_SECOND=1000000 start_server "$dir" "sqlite://$dir/gongdao.db"
wait_for_search "" '"hits"'
read -r h_rps h_p50 h_p99 h_bad <<<"$(load /healthz none 8)"
cpu_before=$(server_cpu_ticks)
started=$(now)
read -r rps p50 p99 bad <<<"$(load /api/v1/laws/search none 8 bench/laws.lua)"
cpu_ms=$(awk -v a="$cpu_before" -v b="$(server_cpu_ticks)" -v t="$(getconf CLK_TCK)" -v r="$rps" -v s="$(elapsed "$started" "$(now)")" \
  'BEGIN { printf "%.2f", (b - a) * 1000 / t / (r * s) }')
rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER/status")
stop_server
echo "| server resident memory with the corpus loaded, after the load (MB) | $((rss_kb / 1024)) |"
echo
echo "| route (8 connections, $DURATION) | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---:|---:|---:|---:|"
echo "| GET /healthz (ceiling) | $h_rps | $h_p50 | $h_p99 | $h_bad |"
echo "| GET /api/v1/laws/search (dev-set questions in turn) | $rps | $p50 | $p99 | $bad |"
echo
echo "Server CPU time per search under that load (user + system, all threads): $cpu_ms ms."
echo
"$BIN" laws eval --questions "$QUESTIONS" --questions data/laws/qa-local.jsonl --data-dir "$dir" 2>/dev/null

if [ -n "${EMBEDDED:-}" ]; then
  copy="$WORK/embedded"
  mkdir -p "$copy"
  sqlite3 "$EMBEDDED/gongdao.db" ".backup '$copy/gongdao.db'"
  cp "$EMBEDDED/secret.key" "$copy/"
  vectors=$(sqlite3 "$copy/gongdao.db" "SELECT COUNT(*) FROM law_embeddings")
  GONGDAO_LAW_SEARCHES_PER_SECOND=1000000 start_server "$copy" "sqlite://$copy/gongdao.db"
  wait_for_search "&semantic=true" '"semantic":true'
  read -r l_rps l_p50 l_p99 l_bad <<<"$(load /api/v1/laws/search none 8 bench/laws.lua)"
  read -r s_rps s_p50 s_p99 s_bad <<<"$(SEARCH_EXTRA='&semantic=true' load /api/v1/laws/search none 8 bench/laws.lua)"
  rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER/status")
  stop_server
  echo
  echo "With the semantic model and $vectors stored vectors:"
  echo
  echo "| route (8 connections, $DURATION) | requests/s | p50 ms | p99 ms | non-2xx |"
  echo "|---|---:|---:|---:|---:|"
  echo "| GET /api/v1/laws/search (lexical) | $l_rps | $l_p50 | $l_p99 | $l_bad |"
  echo "| GET /api/v1/laws/search?semantic=true | $s_rps | $s_p50 | $s_p99 | $s_bad |"
  echo
  echo "| server resident memory with the corpus, the model and the vectors, after the load (MB) | $((rss_kb / 1024)) |"
  echo "|---|---:|"
  echo
  "$BIN" laws eval --questions "$QUESTIONS" --questions data/laws/qa-local.jsonl --data-dir "$copy" 2>/dev/null
fi
