# Sourced by the device scripts of whole-shape-set sweeps (device_multi_gpu_full.sh,
# device_full_sweep.sh): `sweep NAME GPUS CORES [SHARD]` runs or resumes one sweep of $shapes
# into $root/NAME with its own cold kernel cache ($root/cache-NAME), until it ends or the call's
# deadline ($deadline_s from $start, the caller's SECONDS). Each segment's seconds, exit code and
# start go to $root/NAME.segments; a finished sweep leaves $root/NAME.done. Extra sweep flags:
# GEMMTUNE_SWEEP_FLAGS; GEMMTUNE_SWEEP_TIMING (default call, the protocol of every comparison;
# kernel is the sweep's own default, what the README's main command runs).
sweep() {
  local name=$1 gpus=$2 cpus=$3 shard=${4:-}
  [[ -f $root/$name.done ]] && return 0
  local limit=$((deadline_s - (SECONDS - start)))
  (( limit > 30 )) || { stamp "$name: no time left in this call"; return 0; }
  local flags=(--shapes "$shapes" --gpus "$gpus" --timing "${GEMMTUNE_SWEEP_TIMING:-call}" --out "$root/$name" --quiet)
  read -ra extra <<< "${GEMMTUNE_SWEEP_FLAGS:-}"
  flags+=("${extra[@]}")
  [[ -n $shard ]] && flags+=(--shard "$shard")
  [[ -s $root/$name/runs.jsonl ]] && flags+=(--resume)
  local t0=$SECONDS started
  started=$(date +%s)
  GEMMTUNE_CACHE_DIR=$root/cache-$name timeout -s INT "$limit" taskset -c "$cpus" \
    devbuild/gemmtune sweep "${flags[@]}" > /dev/null 2>> "$root/$name.log"
  local rc=$? seconds=$((SECONDS - t0))
  echo "$seconds $rc $started" >> "$root/$name.segments"
  (( rc == 0 )) && touch "$root/$name.done"
  stamp "$name (GPUs $gpus, cores $cpus${shard:+, shard $shard}): ${seconds} s, rc $rc," \
    "$(wc -l < "$root/$name/runs.jsonl" 2> /dev/null || echo 0) records"
}
