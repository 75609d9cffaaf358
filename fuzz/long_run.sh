#!/usr/bin/env bash
# The documented long run: every target for SECONDS each (default 900), two at a time, niced.
# Usage: bash fuzz/long_run.sh [SECONDS] [TARGET...]. Logs: fuzz/logs/<target>.log; new inputs:
# fuzz/corpus/<target>/ (not committed); crashes: fuzz/artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-900}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(parser typed sse stream_sse stream_events relay)
PY=${PYTHON:-.venv/bin/python}
MAX_LEN=${MAX_LEN:-16384}  # shorter inputs run faster: MAX_LEN=2048 for a second, quicker pass

seeds() {
  case "$1" in
    parser|typed) echo fuzz/seeds/json ;;
    sse|stream_sse) echo "fuzz/seeds/sse tests/fixtures/streams" ;;
    stream_events|relay) echo fuzz/seeds/events ;;
  esac
}

run() {
  # libFuzzer stops at the first crash: start it again (the crash is saved in artifacts/) until
  # the target has had its time.
  local t=$1 start=$EPOCHSECONDS left segment=0
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t" fuzz/logs
  while left=$((SECONDS_PER_TARGET - (EPOCHSECONDS - start))); [ "$left" -gt 5 ]; do
    segment=$((segment + 1))
    # shellcheck disable=SC2046
    nice -n 10 "$PY" -m fuzz.run "$t" -max_total_time="$left" -timeout=20 \
      -rss_limit_mb=3072 -max_len="$MAX_LEN" -print_final_stats=1 -dict=fuzz/json.dict \
      -artifact_prefix="fuzz/artifacts/$t/" "fuzz/corpus/$t" $(seeds "$t") \
      >"fuzz/logs/$t.$segment.log" 2>&1
    echo "$t segment $segment exit $? after $((EPOCHSECONDS - start))s" >>fuzz/logs/summary.txt
  done
}

i=0
for t in "${TARGETS[@]}"; do
  run "$t" &
  i=$((i + 1))
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
