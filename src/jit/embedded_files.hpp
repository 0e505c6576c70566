#pragma once
/// The kernels/ headers, embedded into the binary at build time (cmake/embed_files.cmake) and
/// handed to NVRTC as in-memory headers, so generated sources can `#include` them by name.
#include <vector>

#include "core/embedded_file.hpp"

namespace gemmtune::jit {

using gemmtune::EmbeddedFile;

/// Every *.cuh and *.h under kernels/, sorted by name (paths relative to kernels/).
[[nodiscard]] const std::vector<EmbeddedFile>& embedded_kernel_files();

}  // namespace gemmtune::jit
