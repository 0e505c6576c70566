#!/usr/bin/env bash
#   usage: bash scripts/device_bundle_check.sh [TABLE | --sweep]
# The bundle's proof on a GPU: exports a dsv3-quick tuning table as a kernel bundle and as
# cuBLASLt algorithm records, builds the standalone consumers (tests/bundle_consumer/) against
# them with the system g++, and runs them:
#   - consumer: every problem of the table through the bundle's gemm(), validated against
#     cuBLASLt's block-scaled GEMM (dense bar), timed with the call protocol, replayed in a
#     captured CUDA graph (bytes must match), loaded from the folder too (bytes must match);
#   - per row, in one process (gemmtune_bundle_ab, built here against the bundle): the bundle's
#     gemm() and gemmtune's launch path on the same inputs, interleaved (they must agree within 2%);
#   - cublaslt_replay: every exported algorithm record rebuilt, validated and timed (call and
#     call_sync) against the recorded time.
# Runs in the repository root on the GPU machine with gemmtune built in devbuild/
# (scripts/device_build.sh; with .devdeps/, whose nlohmann/json the replay consumer also uses).
#     TABLE    a tuning_table.json (default: results/h200-dense/tuning_table.json)
#     --sweep  first tunes configs/dsv3-quick.json here (call timing) and uses that table
# Writes 7 files (8 with --sweep) under $OUT: devices.txt, bundle_check.log, manifest.json,
# bundle_consumer.jsonl, bundle_ab.jsonl, cublaslt_replay.jsonl, summary.txt (+ tuning_table.json).
# Exit code: 0 when every check passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rm -f "$OUT"/{devices.txt,bundle_check.log,manifest.json,bundle_consumer.jsonl,bundle_ab.jsonl,cublaslt_replay.jsonl,summary.txt,tuning_table.json}
bin=${GEMMTUNE_DEVICE_BIN:-devbuild}/gemmtune
cuda=${CUDA_HOME:-/usr/local/cuda}
export GEMMTUNE_CACHE_DIR=${GEMMTUNE_CACHE_DIR:-/tmp/gemmtune-cache}
work=/tmp/gemmtune-bundle-check
rm -rf "$work" && mkdir -p "$work"
log=$OUT/bundle_check.log
say() { echo "[$(date +%T)] $*" | tee -a "$log"; }
status=0

[[ -x $bin ]] || { say "error: $bin missing (run scripts/device_build.sh first)"; exit 2; }
"$bin" devices > "$OUT/devices.txt" 2>&1
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.draw,power.limit,clocks_event_reasons.active \
  --format=csv >> "$OUT/devices.txt" 2>&1

table=${1:-results/h200-dense/tuning_table.json}
if [[ $table == --sweep ]]; then
  say "sweeping configs/dsv3-quick.json (call protocol)"
  # NOTE: --cublaslt-best: `export --format cublaslt` below exports the best search's algorithms.
  "$bin" sweep --shapes configs/dsv3-quick.json --timing call --cublaslt-best --out "$work/sweep" \
    >> "$log" 2>&1
  say "sweep rc=$?"
  table=$work/sweep/tuning_table.json
  cp "$table" "$OUT/tuning_table.json" 2>/dev/null
fi
[[ -f $table ]] || { say "error: no tuning table at $table"; exit 2; }
say "table $table"

# Export: the bundle (compiles the table's configs through the cache) and the cuBLASLt records.
"$bin" export "$table" --format bundle --out "$work/bundle" >> "$log" 2>&1 || { say "export bundle failed"; exit 1; }
"$bin" export "$table" --format cublaslt -o "$work/algos.json" >> "$log" 2>&1 || { say "export cublaslt failed"; exit 1; }
cp "$work/bundle/manifest.json" "$OUT/manifest.json"
say "bundle: $(find "$work/bundle/cubins" -name '*.cubin' | wc -l) cubins, $(du -sh "$work/bundle" | cut -f1)"

# Build the consumers with the system compiler: the bundle needs only libcuda (stubs to link,
# the driver's libcuda.so.1 at run time); the harness adds cudart and cuBLASLt.
deps=/tmp/gemmtune-deps
if [[ ! -d $deps/usr/include/nlohmann && -f .devdeps/deps.tgz ]]; then
  mkdir -p "$deps" && tar -C "$deps" -xzf .devdeps/deps.tgz
fi
cxx=(g++ -std=c++17 -O2 -Wall -Wextra -I "$work/bundle" -I tests/bundle_consumer -I "$cuda/include"
     -isystem "$deps/usr/include")
libs=(-L "$cuda/lib64" -L "$cuda/lib64/stubs" "-Wl,-rpath,$cuda/lib64" -lcublasLt -lcudart -lcuda)
SECONDS=0
"${cxx[@]}" -o "$work/consumer" tests/bundle_consumer/consumer.cpp "${libs[@]}" >> "$log" 2>&1 \
  || { say "building consumer failed"; exit 1; }
"${cxx[@]}" -o "$work/cublaslt_replay" tests/bundle_consumer/cublaslt_replay.cpp "${libs[@]}" >> "$log" 2>&1 \
  || { say "building cublaslt_replay failed"; exit 1; }
say "consumers built in $SECONDS s; consumer needs: $(objdump -p "$work/consumer" | grep NEEDED | awk '{print $2}' | tr '\n' ' ')"

# 1. Every problem through the bundle, validated, timed, graph-replayed, loaded from the folder.
"$work/consumer" --dir "$work/bundle" > "$OUT/bundle_consumer.jsonl" 2>> "$log"
rc=$?; say "consumer rc=$rc"; ((rc == 0)) || status=1

# 2. Per row, in one process (tests/bundle_consumer/bundle_ab.cpp): the bundle's gemm() and
# gemmtune's own launch path (what `gemmtune run` times) on the same inputs, interleaved sample by
# sample with the call protocol, 3 rounds of 100 samples; output bytes must be identical.
build=${GEMMTUNE_BUILD_DIR:-/tmp/gemmtune-build}
if cmake -S . -B "$build" -DGEMMTUNE_BUNDLE_DIR="$work/bundle" >> "$log" 2>&1 &&
   cmake --build "$build" -j "$(nproc)" --target gemmtune_bundle_ab >> "$log" 2>&1; then
  "$build/tests/gemmtune_bundle_ab" --iters 100 --rounds 3 > "$OUT/bundle_ab.jsonl" 2>> "$log"
  rc=$?; say "bundle_ab rc=$rc"; ((rc == 0)) || status=1
else
  say "building gemmtune_bundle_ab failed"; status=1
fi

# 3. The cuBLASLt records, replayed by a standalone program.
"$work/cublaslt_replay" "$work/algos.json" > "$OUT/cublaslt_replay.jsonl" 2>> "$log"
rc=$?; say "cublaslt_replay rc=$rc"; ((rc == 0)) || status=1

python3 - "$OUT/bundle_consumer.jsonl" "$OUT/bundle_ab.jsonl" \
  "$OUT/cublaslt_replay.jsonl" > "$OUT/summary.txt" <<'EOF'
import json, math, sys
def lines(path):
    try:
        return [json.loads(l) for l in open(path) if l.strip()]
    except (OSError, ValueError) as e:
        print(f"cannot read {path}: {e}")
        return []
full, ab, replay = (lines(p) for p in sys.argv[1:4])
key = lambda r: (r["m"], r["n"], r["k"])
abk = {key(r): r for r in ab if "m" in r}
print("bundle gemm() vs gemmtune's launch path (`gemmtune run`), one process, same inputs, interleaved;")
print("ratio = bundle / gemmtune median, per round (3 x 100 samples); the row's ratio is the median round;")
print("control = gemmtune through a second load of the same cubin / gemmtune (two identical paths)")
print(f"{'label':24} {'M':>5} {'N':>6} {'K':>6} {'config':34} {'valid':>5} {'graph':>5} {'bytes':>5} {'gemmtune us':>11} {'bundle us':>9} {'rounds':>22} {'ratio':>6}")
ratios = []
for r in full:
    if "m" not in r:
        continue
    a = abk.get(key(r), {})
    rounds = a.get("rounds", [])
    ratio = a.get("median_ratio", float("nan"))
    if ratio == ratio:
        ratios.append(ratio)
    mid = sorted(rounds, key=lambda x: x["ratio"])[len(rounds) // 2] if rounds else {}
    round_text = " ".join("%.3f" % x["ratio"] for x in rounds)
    control_text = " ".join("%.3f" % x.get("control_ratio", float("nan")) for x in rounds)
    print(f"{r['label'][:24]:24} {r['m']:>5} {r['n']:>6} {r['k']:>6} {r['config']:34} {str(r['valid']):>5} "
          f"{str(r['graph_matches']):>5} {str(a.get('same_bytes')):>5} {mid.get('gemmtune_us', float('nan')):11.2f} "
          f"{mid.get('bundle_us', float('nan')):9.2f} {round_text:>22} {ratio:6.3f}   control {control_text}")
if ratios:
    gm = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
    print(f"rows {len(ratios)}: geometric mean ratio {gm:.4f}, min {min(ratios):.3f}, max {max(ratios):.3f}, "
          f"within 2%: {sum(abs(x - 1) <= 0.02 for x in ratios)}; identical bytes: {sum(a.get('same_bytes') is True for a in ab)}")
print(f"consumer checks passed: {sum(r.get('passed') is True for r in full)} of {len(full)}")
print()
print("cuBLASLt records replayed (ratio = replay / recorded median)")
for r in replay:
    print(f"{r['label'][:24]:24} {r['m']:>5} {r['n']:>6} {r['k']:>6} accepted={r['accepted']} valid={r['valid']} "
          f"recorded {r['recorded_us']:8.2f} call {r['call_us']:8.2f} ({r['call_over_recorded']:.3f}) "
          f"call_sync {r['call_sync_us']:8.2f} ({r['call_sync_over_recorded']:.3f})")
EOF
tee -a "$log" < "$OUT/summary.txt"
say "done, status $status"
exit $status
