#include "core/timing_mode.hpp"

#include <array>

namespace gemmtune {
namespace {

constexpr std::array kModes{TimingMode::kCall, TimingMode::kCallSync, TimingMode::kKernel};
constexpr std::array kBaselineTimings{BaselineTiming::kSeparate, BaselineTiming::kInterleaved,
                                      BaselineTiming::kNone};

}  // namespace

const char* to_string(TimingMode mode) {
  switch (mode) {
    case TimingMode::kCall: return "call";
    case TimingMode::kCallSync: return "call_sync";
    case TimingMode::kKernel: return "kernel";
  }
  return "unknown";
}

std::optional<TimingMode> parse_timing_mode(std::string_view name) {
  for (const TimingMode mode : kModes) {
    if (name == to_string(mode)) return mode;
  }
  return std::nullopt;
}

std::vector<std::string> timing_mode_names() {
  std::vector<std::string> names;
  for (const TimingMode mode : kModes) names.emplace_back(to_string(mode));
  return names;
}

const char* describe(TimingMode mode) {
  switch (mode) {
    case TimingMode::kCall:
      return "call (CUDA events around one call behind an L2 flush, in stream order: the "
             "anchors' DeepGEMM protocol; host launch latency hidden)";
    case TimingMode::kCallSync:
      return "call_sync (as call, the host waiting for the flush first: includes the host "
             "launch latency)";
    case TimingMode::kKernel:
      return "kernel (device time of the GEMM kernels alone, L2 flushed)";
  }
  return "unknown";
}

const char* to_string(BaselineTiming timing) {
  switch (timing) {
    case BaselineTiming::kSeparate: return "separate";
    case BaselineTiming::kInterleaved: return "interleaved";
    case BaselineTiming::kNone: return "none";
  }
  return "unknown";
}

std::optional<BaselineTiming> parse_baseline_timing(std::string_view name) {
  for (const BaselineTiming t : kBaselineTimings) {
    if (name == to_string(t)) return t;
  }
  return std::nullopt;
}

std::vector<std::string> baseline_timing_names() {
  std::vector<std::string> names;
  for (const BaselineTiming t : kBaselineTimings) names.emplace_back(to_string(t));
  return names;
}

}  // namespace gemmtune
