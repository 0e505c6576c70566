#pragma once
/// Which source revision this binary was built from, for env.json, plan files and --version.

namespace gemmtune {

/// `git rev-parse --short=12 HEAD` when CMake last configured; CMake re-configures whenever HEAD
/// moves (CMakeLists.txt), so incremental builds never report a stale revision. "unknown" outside
/// a git checkout.
[[nodiscard]] const char* build_git_rev();

}  // namespace gemmtune
