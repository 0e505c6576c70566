#!/usr/bin/env bash
# scripts/same_pick_check.sh against a fake gemmtune whose times are set per config: the verdicts
# of the first pass, the second look with more rounds, and the exit codes (the multi-GPU sweep's
# tables are judged by that script: results/sweep-scaling/).
#   usage: bash tests/scripts/same_pick_check_test.sh SCRIPT
set -uo pipefail
script=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The fake: `compile` succeeds; `run --config C` answers a median by C's name. A "noisy" config
# is 5% slow in its first two runs (the first pass's two rounds), 1% slow after.
cat > "$work/gemmtune" <<'FAKE'
#!/usr/bin/env bash
[[ " $* " == *" compile "* ]] && exit 0
config=$(sed -E 's/.*--config ([^ ]+).*/\1/' <<< "$*")
count_file=$(dirname "$0")/count_$config
n=$(cat "$count_file" 2> /dev/null || echo 0)
echo $((n + 1)) > "$count_file"
case $config in
  slow*) us=110 ;;
  noisy*) if ((n < 2)); then us=105; else us=101; fi ;;
  broken*) echo '{"measurements": [{"disposition": "incorrect"}]}'; exit 1 ;;
  *) us=100 ;;
esac
echo "{\"measurements\": [{\"disposition\": \"passed\", \"timing\": {\"median_us\": $us}}]}"
FAKE
chmod +x "$work/gemmtune"
table() {  # FILE CONFIG... (one per M = 1, 2, ...)
  local file=$1; shift
  python3 -c 'import json, sys
print(json.dumps({"problems": [{"n": 576, "k": 7168, "entries": [{"m": m + 1, "config": c} for m, c in enumerate(sys.argv[1:])]}]}))' "$@" > "$file"
}
failures=0
check() {  # NAME EXPECTED_RC EXPECTED_TEXT ACTUAL_RC OUTPUT
  if [[ $4 != "$2" || $5 != *"$3"* ]]; then
    echo "FAIL $1: rc $4 (expected $2), output lacks \"$3\":"; echo "$5"; failures=$((failures + 1))
  else
    echo "ok   $1"
  fi
}
run() { rm -f "$work"/count_*; GEMMTUNE_BIN=$work/gemmtune bash "$script" "$@" 2>&1; }

table "$work/one.json" fastA fastB same
table "$work/multi.json" fastA2 fastB2 same
out=$(run "$work/one.json" "$work/multi.json" "$work/a.jsonl"); rc=$?
check "equal times pass in one pass" 0 "same-pick check: 2 within 2%, 0 not" $rc "$out"
[[ $out == *"again with"* ]] && { echo "FAIL: a second pass where none was needed"; failures=$((failures + 1)); }

table "$work/multi.json" noisyA slowB same
out=$(run "$work/one.json" "$work/multi.json" "$work/b.jsonl"); rc=$?
check "a noisy pick passes on the second look, a slow one fails both" 1 \
  "ratio 1.010 over 6 round(s) (within 2%)" $rc "$out"
check "the slow pick's verdict" 1 "ratio 1.100 over 6 round(s) (SLOWER than 2%)" $rc "$out"
check "the final count" 1 "same-pick check: 1 within 2%, 1 not" $rc "$out"
lines=$(grep -c '"pass": 2' "$work/b.jsonl")
[[ $lines == 24 ]] || { echo "FAIL: $lines second-pass lines, expected 2 problems x 6 rounds x 2 configs"; failures=$((failures + 1)); }

out=$(run "$work/one.json" "$work/multi.json" "$work/c.jsonl" 1000 2 0); rc=$?
check "no second look with AGAIN_ROUNDS 0" 1 "same-pick check: 0 within 2%, 2 not" $rc "$out"

table "$work/multi.json" brokenA fastB2 same
out=$(run "$work/one.json" "$work/multi.json" "$work/d.jsonl" 1000 2 0); rc=$?
check "a config that fails is a miss" 1 "a config failed or was not timed" $rc "$out"

((failures == 0)) && echo "all same_pick_check cases passed"
exit $((failures > 0))
