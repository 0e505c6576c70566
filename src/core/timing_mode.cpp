#include "core/timing_mode.hpp"

#include "core/enum_names.hpp"

namespace gemmtune {
namespace {

constexpr EnumNames<TimingMode, 3> kModeNames{{{{TimingMode::kCall, "call"},
                                               {TimingMode::kCallSync, "call_sync"},
                                               {TimingMode::kKernel, "kernel"}}}};
constexpr EnumNames<BaselineTiming, 3> kBaselineTimingNames{
    {{{BaselineTiming::kSeparate, "separate"},
      {BaselineTiming::kInterleaved, "interleaved"},
      {BaselineTiming::kNone, "none"}}}};
constexpr EnumNames<RunoffRegime, 2> kRunoffRegimeNames{
    {{{RunoffRegime::kBurst, "burst"}, {RunoffRegime::kSustained, "sustained"}}}};

}  // namespace

const char* to_string(TimingMode mode) { return kModeNames.name(mode); }

std::optional<TimingMode> parse_timing_mode(std::string_view name) { return kModeNames.parse(name); }

std::vector<std::string> timing_mode_names() { return kModeNames.names(); }

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

const char* to_string(BaselineTiming timing) { return kBaselineTimingNames.name(timing); }

std::optional<BaselineTiming> parse_baseline_timing(std::string_view name) {
  return kBaselineTimingNames.parse(name);
}

std::vector<std::string> baseline_timing_names() { return kBaselineTimingNames.names(); }

const char* to_string(RunoffRegime regime) { return kRunoffRegimeNames.name(regime); }

std::optional<RunoffRegime> parse_runoff_regime(std::string_view name) {
  return kRunoffRegimeNames.parse(name);
}

std::vector<std::string> runoff_regime_names() { return kRunoffRegimeNames.names(); }

}  // namespace gemmtune
