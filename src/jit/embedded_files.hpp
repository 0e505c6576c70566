#pragma once
/// The kernels/ headers, embedded into the binary at build time (cmake/embed_kernel_files.cmake)
/// and handed to NVRTC as in-memory headers, so generated sources can `#include` them by name.
#include <string_view>
#include <vector>

namespace gemmtune::jit {

/// One embedded file of kernels/.
struct EmbeddedFile {
  std::string_view name;      ///< path relative to kernels/, e.g. "gemmtune_params.h"
  std::string_view contents;  ///< exact file bytes; NOTE: contents.data() is NUL-terminated
};

/// Every *.cuh and *.h under kernels/, sorted by name.
[[nodiscard]] const std::vector<EmbeddedFile>& embedded_kernel_files();

}  // namespace gemmtune::jit
