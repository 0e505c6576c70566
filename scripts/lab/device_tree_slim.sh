#!/usr/bin/env bash
# Keeps the working tree a device call sends under the device tool's 64 MiB: results/'s archives
# (*.tgz, *.gz: ~40 MB of the ~60 MB tracked on 2026-11-26) leave the working tree through a
# sparse checkout, and stay in the repository. No device script reads them.
#   usage: bash scripts/lab/device_tree_slim.sh         (slim: archives out of the working tree)
#          bash scripts/lab/device_tree_slim.sh --full  (every file back)
# Adding a new archive under results/ while slim: `git add --sparse PATH`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ${1:-} == --full ]]; then
  git sparse-checkout disable
else
  git sparse-checkout set --no-cone '/*' '!/results/**/*.tgz' '!/results/**/*.gz'
fi
echo "tracked files in the working tree: $(git ls-files -z | du -ch --files0-from=- 2>/dev/null | tail -1 | cut -f1)"
