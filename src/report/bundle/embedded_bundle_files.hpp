#pragma once
/// The files of this folder an exported bundle ships (build.sh, gemmtune_bundle.py and the
/// gemmtune_bundle_*.py modules it imports, gemmtune_bundle_capi.{h,cpp}), embedded by
/// CMakeLists.txt (gemmtune_embed); this header itself is not embedded (.hpp is not among the
/// embedded extensions).
#include <vector>

#include "core/embedded_file.hpp"

namespace gemmtune::report {

/// The embedded files, sorted by name; the generated embedded_bundle_files.cpp defines it.
[[nodiscard]] const std::vector<EmbeddedFile>& embedded_bundle_files();

}  // namespace gemmtune::report
