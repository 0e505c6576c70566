#pragma once
/// The run-off that ends each problem of a sweep: which screened configs are re-timed together,
/// side by side with the cuBLASLt baselines, and how (src/sweep/README.md "Sweep").
///
/// Why: configs are screened one after another, and the power-capped card's SM clock moves by up
/// to ~20% within one problem (1425-1770 MHz at 4096x7168x16384, results/PERF_LOG.md history),
/// so a screening time says as much about the moment as about the config. Timing the fastest few
/// in one call makes the choice among them drift-free; `sweep --runoff` chooses whether that call
/// times them in bursts after idle gaps or under sustained load (core/timing_mode.hpp).
#include <string>
#include <utility>
#include <vector>

#include "report/run_folder.hpp"

namespace gemmtune::sweep {

/// Most configs a run-off takes by screening time (the screening's fastest included).
/// NOTE: 6, not 4: at 64x7168x2048 the screening's order of configs 2-5 was noise (a 7-stage
/// ring measured 12.5 us once left out of a run-off that chose a 15.0 us 10-stage ring, issue 10).
inline constexpr int kRunoffMaxConfigs = 6;
/// Most configs in a run-off: those by time, then the fastest by time x SM clock not yet in.
/// NOTE: the 24 configs of a large problem are screened back to back at the power cap, where
/// the clock swung between 1395 and 1935 MHz within one second (a 2-GPU dsv3 sweep):
/// at 4096 x 7168 x 16384 the best config (668 us when re-timed) was screened at 1395 MHz,
/// 8th by time and 2nd by time x clock, so the run-off never saw it and picked one 2.2% slower
/// (7f3a7dd:results/2026-11-22-multi-gpu/2229-h200-same-pick-dsv3-full/). Where the clock holds (small
/// problems) both orders agree and the run-off stays at kRunoffMaxConfigs.
inline constexpr int kRunoffMaxCandidates = 8;
/// A config joins by time x clock only if it was screened at a clock this fraction or more below
/// the problem's highest screening clock. Why: where the clock held (small problems), the two
/// orders differ by noise alone, and every extra candidate costs run-off time (8 instead of 6
/// candidates on every dsv3 problem would have added ~45 s to the one-GPU sweep's 878 s).
inline constexpr double kRunoffThrottledRel = 0.05;
/// Fewest timed samples per run-off candidate. Why: on a ~12 us problem two configs 3% apart
/// differ by less than one sample's spread; the median of 100 interleaved samples separates them
/// (its standard error is ~1/8 of the sample spread), and 100 flushed samples cost ~25 ms.
inline constexpr int kRunoffMinSamples = 100;
/// Rounds of the burst regime: each candidate gets this many bursts, the order rotated by one
/// each round. NOTE: 4 rounds of 30 samples give each candidate 120, at least the sustained
/// run-off's kRunoffMinSamples, so both regimes separate configs a few % apart alike.
inline constexpr int kRunoffBurstRounds = 4;
/// Timed samples per burst. NOTE: 30 is the call protocol's default --iters, what the DeepGEMM
/// comparison times after its 3 warm-ups (the DeepGEMM harness, .anchors/dg_compare.py), so the
/// burst run-off times what the comparison times.
inline constexpr int kRunoffBurstSamples = 30;
/// A run-off whose candidates end within this fraction of the fastest one times those
/// candidates once more and decides on both passes' samples (RunoffPlan::confirm_within_rel;
/// problems whose bursts are whole only). Why: at 1024 x 576 x 7168 the 2-GPU sweep's run-off put
/// bn80 0.3% ahead of bn88 (1233), while 12 of 12 later run-offs put it 2.3-6.2% behind and three
/// re-timings 1.8-5.7% behind: bn80's samples scatter between 17 and 22 us sample by sample, and
/// one pass of 120 caught a fast share (results/PERF_LOG.md history). A second pass costs a
/// short problem ~0.1 s and fires only on near-ties, where a chance order is likeliest.
inline constexpr double kRunoffConfirmWithinRel = 0.01;
/// Passes of a run-off at most: the planned one and the confirmation (kRunoffConfirmWithinRel).
inline constexpr int kRunoffPasses = 2;
/// Longest idle gap before a burst (ms). NOTE: the 700 W cap averages power over time, so the
/// card must idle long enough to shed the previous burst's heat, or the bursts chain into
/// sustained load (an idle second restores 1.98 GHz, throttled within ~0.3 s of load:
/// scripts/lab/device_clock_probe.sh; 50 ms is yet to be checked on a device). A gap never
/// outlasts the burst before it: a 50% duty cycle keeps a small problem's run-off cheap.
inline constexpr int kRunoffMaxIdleMs = 50;
/// Longest burst (ms) of the burst regime; a problem whose 30 samples take longer is timed in
/// shorter bursts, more rounds (core/timing_mode.hpp burst_shape; Timer::time_runoff has the
/// measurements that set it). NOTE: 40 ms keeps 4096 x 7168 x 16384 (0.7 ms, ~21 ms bursts) in
/// whole bursts, where they chose the config the comparison confirms.
inline constexpr int kRunoffMaxBurstMs = 40;
/// A screening of a problem whose last screening took this long (median) or longer idles
/// kScreenSettleMs before its warm-ups. Why: the sweep screens a problem's configs back to back,
/// so on problems that reach the 700 W cap every screening ran at the capped clock (1552: of the
/// 30 samples of each screening of 7168 x 3072 g8, none at >= 1900 MHz but the first config's),
/// while the comparison beside DeepGEMM times each problem in a burst that starts idle at 1980
/// MHz (7f3a7dd:results/2026-11-24-burst-clocks/): the screening ranked configs in another regime than
/// the one they are judged in (results/PERF_LOG.md history). Short problems never reach the
/// cap within a screening and pay nothing.
inline constexpr double kScreenSettleAboveUs = 200.0;
/// The idle itself. NOTE: an idle second restores 1.98 GHz (scripts/lab/device_clock_probe.sh);
/// 100 ms sufficed: the grouped sweep's long screenings then started at 1966 MHz (median of their
/// first samples) and the sweep took 210 s instead of 226, the faster screenings paying for the
/// idles (7f3a7dd:results/2026-11-25-lane-pair-release-and-sample-clock-screens/1617-…).
inline constexpr int kScreenSettleMs = 100;

/// The idle before a screening whose problem's last screening had median `last_screen_us`
/// (0: the problem's first): kScreenSettleMs from kScreenSettleAboveUs on, else none.
[[nodiscard]] constexpr int screening_settle_ms(double last_screen_us) {
  return last_screen_us >= kScreenSettleAboveUs ? kScreenSettleMs : 0;
}

/// A config joins the run-off when its screening median is within this fraction of the fastest.
inline constexpr double kRunoffWithinRel = 0.15;

/// What a budget level (sweep/budget.hpp Budget) spends on each problem's run-off.
struct RunoffKnobs {
  int burst_rounds = kRunoffBurstRounds;      ///< rounds of the burst regime
  int max_candidates = kRunoffMaxCandidates;  ///< most configs in a run-off
  bool confirm_close_contests = true;         ///< a close contest's second pass
  [[nodiscard]] bool operator==(const RunoffKnobs&) const = default;
};

/// One passed screening measurement of a problem.
struct Screened {
  double median_us = 0.0;
  std::string config;
  /// The screening's SM clock: its samples' median where the clock was read per sample, else
  /// the one sampled after it; 0: not recorded. NOTE: read after each sample's kernel, so it
  /// says how far the power cap had stepped the card down (what the throttled-candidate rules
  /// need), not the kernel's own clock, which is lower inside a heavy kernel
  /// (src/runtime/README.md "Timing methodology").
  double sm_mhz = 0.0;
  /// The samples' median "cycles" (time x that sample's after-kernel clock): a time corrected
  /// for the cap's step, not the kernel's cycle count; 0: no per-sample clock.
  double cycles = 0.0;

  /// What ranks screenings by cycles: the samples' median cycles, else median x sm_mhz (a clock
  /// read once after the burst, which a step inside the burst leaves out).
  [[nodiscard]] double cycles_or_estimate() const {
    return cycles > 0.0 ? cycles : median_us * sm_mhz;
  }
};

/// A passed screening of `config` from its record's median and clock (report::RunClock).
[[nodiscard]] Screened screened_from(double median_us, std::string config,
                                     const report::RunClock& clock);

/// The run-off of one problem from its passed screening measurements: the fastest first, then
/// the next fastest distinct configs within `within_rel` of it, at most `max_by_time`; then, up
/// to `max_configs` in all, those with the fewest cycles (Screened::cycles_or_estimate) within
/// `within_rel` of the fewest that are not in yet and were screened throttled
/// (kRunoffThrottledRel; measurements without a clock take no part in this).
/// Empty when nothing passed.
[[nodiscard]] std::vector<std::string> runoff_candidates(
    std::vector<Screened> passed, int max_by_time = kRunoffMaxConfigs,
    double within_rel = kRunoffWithinRel, int max_configs = kRunoffMaxCandidates);

}  // namespace gemmtune::sweep
