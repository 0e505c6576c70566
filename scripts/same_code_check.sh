#!/usr/bin/env bash
# Whether a kernel change left kernels alone: compiles each config of CONFIGS with two gemmtune
# binaries (their kernel headers are embedded, so an older build has the older kernels) and
# compares the machine code (the cubins' .text sections, hashed). Runs without a GPU.
#   usage: bash scripts/same_code_check.sh OLD_GEMMTUNE NEW_GEMMTUNE CONFIGS_FILE [DEFINES]
#   CONFIGS_FILE: one config a line (`#` comments); DEFINES: GEMMTUNE_KERNEL_DEFINES for both.
# Prints a line per config (same / DIFFERENT, hashes, instructions) and exits 1 if any differs
# or fails to compile.
set -uo pipefail
old=$1 new=$2 configs=$3 defines=${4:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
while read -r config _; do
  [[ -z ${config:-} || $config == \#* ]] && continue
  for side in old new; do
    bin=$old; [[ $side == new ]] && bin=$new
    mkdir -p "$dir/$side"
    GEMMTUNE_KERNEL_DEFINES="$defines" GEMMTUNE_CACHE_DIR="$dir/cache-$side" "$bin" --log-level error \
      compile --config "$config" --cubin-out "$dir/$side" > /dev/null 2>&1 || { echo "$config: $side failed to compile"; status=1; }
  done
  python3 - "$dir/old/$config.cubin" "$dir/new/$config.cubin" "$config" <<'PY' || status=1
import hashlib, struct, sys
def text(path):  # the concatenated .text.* sections of an ELF64 cubin
    b = open(path, 'rb').read()
    shoff, = struct.unpack_from('<Q', b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3A)
    secs = [struct.unpack_from('<IIQQQQIIQQ', b, shoff + i * shentsize) for i in range(shnum)]
    names = secs[shstrndx][4]
    out = b''
    for s in secs:
        if b[names + s[0]:b.index(b'\0', names + s[0])].startswith(b'.text.'):
            out += b[s[4]:s[4] + s[5]]
    return out
old, new = text(sys.argv[1]), text(sys.argv[2])
same = old == new
h = lambda t: hashlib.sha1(t).hexdigest()[:12]
print(f"{sys.argv[3]}: {'same' if same else 'DIFFERENT'} {h(old)} {h(new)} ({len(old) // 16} / {len(new) // 16} instructions)")
sys.exit(0 if same else 1)
PY
done < "$configs"
exit $status
