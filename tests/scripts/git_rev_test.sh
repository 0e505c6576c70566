#!/usr/bin/env bash
# cmake/git_rev.cmake in a scratch git repository: a clean tree gives HEAD's short revision, a
# changed tracked file "-dirty", an untracked file nothing, FIXED wins, a tree without .git
# "unknown", and an unchanged revision leaves the header untouched (no recompile).
#   usage: git_rev_test.sh PATH/TO/git_rev.cmake
set -uo pipefail
script=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fail=0
header=$dir/out/rev.h
rev_of() { cmake -DSOURCE_DIR="$1" -DOUTPUT="$header" -DFIXED="${2:-}" -P "$script" && cat "$header"; }
expect() {  # NAME EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then echo "ok   $1"; else echo "FAIL $1: expected [$2], got [$3]"; fail=1; fi
}
repo=$dir/repo; mkdir -p "$repo" && cd "$repo" || exit 1
git init -q . && git config user.email t@t && git config user.name t
echo a > f.txt && git add f.txt && git commit -qm one
head=$(git rev-parse --short=12 HEAD)
expect "clean tree" "#define GEMMTUNE_GIT_REV \"$head\"" "$(rev_of "$repo")"
touch -d '2000-01-01' "$header"; before=$(stat -c %Y "$header")
rev_of "$repo" > /dev/null
expect "unchanged revision keeps the header" "$before" "$(stat -c %Y "$header")"
echo untracked > new.txt
expect "untracked file" "#define GEMMTUNE_GIT_REV \"$head\"" "$(rev_of "$repo")"
echo b >> f.txt
expect "changed tracked file" "#define GEMMTUNE_GIT_REV \"$head-dirty\"" "$(rev_of "$repo")"
git commit -qam two; head2=$(git rev-parse --short=12 HEAD)
expect "after the commit" "#define GEMMTUNE_GIT_REV \"$head2\"" "$(rev_of "$repo")"
expect "fixed" "#define GEMMTUNE_GIT_REV \"abc123\"" "$(rev_of "$repo" abc123)"
mkdir -p "$dir/copy"
expect "no git" "#define GEMMTUNE_GIT_REV \"unknown\"" "$(GIT_CEILING_DIRECTORIES=$dir rev_of "$dir/copy")"
exit $fail
