#include "core/timing_mode.hpp"

#include <algorithm>

#include "core/enum_names.hpp"
#include "core/probe_cut.hpp"

namespace gemmtune {
namespace {

constexpr EnumNames<TimingMode, 3> kModeNames{{{{TimingMode::kCall, "call"},
                                               {TimingMode::kCallSync, "call_sync"},
                                               {TimingMode::kKernel, "kernel"}}}};
constexpr EnumNames<BaselineTiming, 3> kBaselineTimingNames{
    {{{BaselineTiming::kSeparate, "separate"},
      {BaselineTiming::kInterleaved, "interleaved"},
      {BaselineTiming::kNone, "none"}}}};
constexpr EnumNames<FlushKind, 2> kFlushKindNames{
    {{{FlushKind::kWrite, "write"}, {FlushKind::kRead, "read"}}}};
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

BurstShape burst_shape(int rounds, int samples, int max_burst_ms, double sample_us) {
  const BurstShape planned{.rounds = rounds, .samples = samples};
  const double max_burst_us = max_burst_ms * 1000.0;
  if (max_burst_ms <= 0 || sample_us * samples <= max_burst_us) return planned;
  const int per_burst = std::max(1, static_cast<int>(max_burst_us / sample_us));
  const int total = std::max(1, rounds * samples / 2);
  return {.rounds = (total + per_burst - 1) / per_burst, .samples = per_burst};
}

std::vector<size_t> close_contest(const std::vector<double>& medians_us, double within_rel) {
  // NOTE: the margin rule is the probe cut's (one owner); a contest keeps the input order, so
  // that the second pass times its candidates in the run-off's order.
  std::vector<size_t> close =
      probe_survivors(medians_us, ProbeCut{.margin = within_rel, .min_kept = 0});
  if (close.size() < 2) return {};
  std::sort(close.begin(), close.end());
  return close;
}

const char* to_string(FlushKind kind) { return kFlushKindNames.name(kind); }

std::optional<FlushKind> parse_flush_kind(std::string_view name) { return kFlushKindNames.parse(name); }

std::vector<std::string> flush_kind_names() { return kFlushKindNames.names(); }

const char* to_string(RunoffRegime regime) { return kRunoffRegimeNames.name(regime); }

std::optional<RunoffRegime> parse_runoff_regime(std::string_view name) {
  return kRunoffRegimeNames.parse(name);
}

std::vector<std::string> runoff_regime_names() { return kRunoffRegimeNames.names(); }

}  // namespace gemmtune
