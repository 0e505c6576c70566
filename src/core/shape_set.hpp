#pragma once
/// Shape sets: JSON files naming the GEMM problems to tune (configs/README.md "Shape sets"), e.g.
///   {"name": "dsv3", "description": "...",
///    "problems": [{"label": "q_a+kv_a fused", "op": "fp8_gemm_nt", "n": 2112, "k": 7168,
///                  "m": [1, 2, 4]}]}
/// `m` is an integer or a list of them; `op` and `label` are optional. Grouped GEMMs
/// (kernels/README.md "Grouped GEMMs") have `"op": "grouped_contiguous"` or `"grouped_masked"`
/// (with `max_m`) and `groups` instead of `m`: a list of problems, each a list of rows per group or
/// a seeded distribution object (core/group_sizes.hpp), e.g.
///    {"op": "grouped_masked", "n": 4096, "k": 7168, "max_m": 256,
///     "groups": [[20, 0, 31], {"count": 32, "expected_m": 16, "spread_percent": 50, "seed": 1}]}
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/legality.hpp"
#include "core/problem.hpp"

namespace gemmtune {

/// The dense operation of the kernel family: D = A * B^T with DeepSeek-V3 block scales (the
/// grouped ops are named by to_string(GroupLayout)).
inline constexpr std::string_view kOpFp8GemmNt = "fp8_gemm_nt";

/// A loaded shape set: one Problem per M, in file order.
struct ShapeSet {
  std::string name;         ///< the set's "name"
  std::string description;  ///< the set's "description", empty when absent
  std::string path;         ///< the file it was read from
  std::vector<Problem> problems;
};

/// Reads a shape set. Every problem must pass check_problem() with `device_memory_bytes` as the
/// memory limit, and no problem may appear twice. Throws Error(kExitUsage) with one line naming
/// the file, the JSON path and the problem; unknown keys are logged as warnings.
[[nodiscard]] ShapeSet load_shape_set(const std::string& path,
                                      int64_t device_memory_bytes = kH200DeviceMemoryBytes);

}  // namespace gemmtune
