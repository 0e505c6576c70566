#!/usr/bin/env bash
# Whether a kernel change left kernels alone: compiles each config of CONFIGS with two gemmtune
# binaries (their kernel headers are embedded, so an older build has the older kernels) and
# compares the machine code (the cubins' .text sections, hashed). Runs without a GPU.
#   usage: bash scripts/same_code_check.sh [-j N] OLD_GEMMTUNE NEW_GEMMTUNE CONFIGS_FILE [DEFINES]
#   -j N: configs checked at once (default 1; each compile takes one core).
#   CONFIGS_FILE: one config a line (`#` comments), e.g. configs/same_code/dsv3_tables.txt;
#   DEFINES: GEMMTUNE_KERNEL_DEFINES for both.
# Prints a line per config (same / DIFFERENT, hashes, instructions) in the file's order, then
# "N same of M", and exits 1 if any differs or fails to compile.
set -uo pipefail
usage() { sed -n '5,8s/^#   //p' "$0" >&2; }
jobs=1
while getopts "j:" opt; do
  case $opt in
    j) jobs=$OPTARG ;;
    *) usage; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [[ $# -lt 3 || ! $jobs =~ ^[1-9][0-9]*$ ]]; then usage; exit 2; fi
old=$1 new=$2 configs=$3 defines=${4:-}
for bin in "$old" "$new"; do
  [[ -x $bin ]] || { echo "same_code_check: $bin is not an executable" >&2; exit 2; }
done
[[ -r $configs ]] || { echo "same_code_check: cannot read $configs" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat > "$dir/text.py" <<'PY'
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

# Checks config number $1 ($2): writes its line to $dir/line.$1 (its own cache and cubin folders,
# so parallel checks share nothing).
check_one() {
  local i=$1 config=$2 side bin out
  for side in old new; do
    bin=$old; [[ $side == new ]] && bin=$new
    out="$dir/$side.$i"
    mkdir -p "$out"
    if ! GEMMTUNE_KERNEL_DEFINES="$defines" GEMMTUNE_CACHE_DIR="$dir/cache-$side.$i" "$bin" \
        --log-level error compile --config "$config" -j 1 --cubin-out "$out" > /dev/null 2>&1; then
      echo "$config: $side failed to compile" > "$dir/line.$i"
      return 1
    fi
  done
  python3 "$dir/text.py" "$dir/old.$i/$config.cubin" "$dir/new.$i/$config.cubin" "$config" \
    > "$dir/line.$i" 2>&1
}
export -f check_one
export dir old new defines

grep -v '^[[:space:]]*#' "$configs" | awk 'NF { print NR, $1 }' \
  | xargs -P "$jobs" -n 2 bash -c 'check_one "$@"' _
status=$?
total=0 same=0
while read -r i _; do
  cat "$dir/line.$i"
  total=$((total + 1))
  grep -q ': same ' "$dir/line.$i" && same=$((same + 1))
done < <(grep -v '^[[:space:]]*#' "$configs" | awk 'NF { print NR, $1 }')
echo "$same same of $total"
[[ $status -eq 0 && $same -eq $total ]] && exit 0
exit 1
