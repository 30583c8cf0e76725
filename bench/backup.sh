#!/usr/bin/env bash
# Backup and restore (issue 19) of the demo district and of the district with
# REQUESTS synthetic requests (1,000,000 by default), on SQLite and PostgreSQL.
#
# `gongdao backup` (a consistent copy while the server runs, with a manifest of every
# table's row count and digest) and `gongdao restore` (into an empty database, every
# table checked against the manifest) are timed beside the plain tools on the same
# database in the same run: sqlite3 .backup and a file copy back for SQLite, pg_dump
# -Fc and pg_restore for PostgreSQL. The ratios are what the digests and checks cost.
# Prints a Markdown table. Needs sqlite3, psql, pg_dump and pg_restore.
REQUESTS=${REQUESTS:-1000000}
# BACKENDS="sqlite" or "postgres" to time one of them.

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

timed() { local t0; t0=$(now); "$@" >/dev/null 2>>"$WORK/err.log"; elapsed "$t0" "$(now)"; }
safe_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b < 0.01) print "—"; else printf "%.2f", a / b }'; }
size_mb() { du -sm "$1" | awk '{ print $1 }'; }

echo "Machine: $(nproc) cores. Times in seconds; ratio = gongdao ÷ the plain tool."
echo
echo "| backend | district | backup | plain copy | ratio | restore + check | plain restore | ratio | backup size MB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for backend in ${BACKENDS:-sqlite postgres}; do
  for district in demo synthetic; do
    dir="$WORK/$backend-$district"
    if [ "$backend" = sqlite ]; then url="sqlite://$dir/gongdao.db"; else url=$(fresh_pg gongdao_bench_backup); fi
    start_server "$dir" "$url" --demo
    stop_server
    if [ "$district" = synthetic ]; then
      GONGDAO_LOG=warn "$BIN" synth-requests --data-dir "$dir" --database-url "$url" --count "$REQUESTS" >/dev/null 2>>"$WORK/err.log"
    fi
    label=$([ "$district" = demo ] && echo "demo" || echo "demo + $REQUESTS requests")
    # Backed up while the server runs, as an operator would.
    start_server "$dir" "$url"
    b=$(timed "$BIN" backup "$WORK/bk-$backend-$district" --data-dir "$dir" --database-url "$url")
    if [ "$backend" = sqlite ]; then
      pb=$(timed sqlite3 "$dir/gongdao.db" ".backup '$WORK/plain.db'")
    else
      pb=$(timed pg_dump -Fc -f "$WORK/plain.dump" "$url")
    fi
    stop_server
    # Restored into an empty database with the same key.
    rdir="$WORK/restore-$backend-$district"; mkdir -p "$rdir"; cp "$dir/secret.key" "$rdir/"
    if [ "$backend" = sqlite ]; then rurl="sqlite://$rdir/gongdao.db"; else rurl=$(fresh_pg gongdao_bench_restore); fi
    r=$(timed "$BIN" restore "$WORK/bk-$backend-$district" --data-dir "$rdir" --database-url "$rurl")
    if [ "$backend" = sqlite ]; then
      pr=$(timed cp "$WORK/plain.db" "$WORK/plain-restored.db")
    else
      purl=$(fresh_pg gongdao_bench_plain)
      pr=$(timed pg_restore --no-owner -d "$purl" "$WORK/plain.dump")
    fi
    echo "| $backend | $label | $b | $pb | $(safe_ratio "$b" "$pb") | $r | $pr | $(safe_ratio "$r" "$pr") | $(size_mb "$WORK/bk-$backend-$district") |"
    rm -rf "$dir" "$rdir" "$WORK/plain.db" "$WORK/plain-restored.db" "$WORK/plain.dump" "$WORK/bk-$backend-$district"
  done
done
drop_pg gongdao_bench_backup gongdao_bench_restore gongdao_bench_plain
