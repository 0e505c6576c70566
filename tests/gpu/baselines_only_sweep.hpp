#pragma once
// A sweep whose one problem no config of its space can run, so that only the cuBLASLt baselines
// are measured: the quickest whole sweep through the worker (roofs, env.json, the cuBLASLt best
// search with --cublaslt-best). Shared by the GPU tests that run `gemmtune sweep` for those parts.
#include <string>

#include "../host/test_support.hpp"

namespace gemmtune::testing {

/// The `--shapes FILE --space FILE` arguments of that sweep, its files written in `dir`.
inline std::string baselines_only_sweep_args(const test::TempDir& dir) {
  const std::string shapes = dir.write("one.json", R"({"name": "one", "problems": [
    {"label": "one", "n": 256, "k": 512, "m": 64}]})");
  // NOTE: multicast B needs two m-blocks; M = 64 with block_m 64 has one: only the baselines run.
  const std::string space = dir.write("space.json", R"({"name": "none", "block_m": [64],
    "block_n": [64], "stages": [4], "multicast": ["B"], "num_sms": ["all"], "raster": ["N"],
    "group": [8], "split_k": [1]})");
  return "--shapes " + shapes + " --space " + space;
}

}  // namespace gemmtune::testing
