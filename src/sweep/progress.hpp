#pragma once
/// The sweep's progress on stderr (src/sweep/README.md "Progress"):
///   [problem 3/18] 64x7168x16384 o_proj: configs 12/24, best so far 44.20 us
///   (bm64_bn64_s8_mc0_sm132_rN8_sk1), ETA 3m05s
/// rewritten in place while stderr is a terminal, else one line per finished problem; nothing
/// with --quiet.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"

namespace gemmtune::sweep {

/// Where the sweep stands.
struct ProgressState {
  int64_t problem_index = 0;  ///< 1-based
  int64_t problem_count = 0;
  Problem problem;
  int64_t configs_done = 0;   ///< gemmtune measurements recorded for this problem (resumed too)
  int64_t configs_total = 0;  ///< gemmtune candidates of this problem
  std::optional<double> best_us{};  ///< fastest passed config so far
  std::string best_config{};
  std::optional<double> eta_s{};    ///< unknown until one measurement finished
  /// Measurements of this problem still to make (all kinds): its ETA in a pool's line.
  int64_t items_left = 0;
};

/// One progress line, without a newline.
[[nodiscard]] std::string format_progress(const ProgressState& state);

/// "45s", "3m05s", "1h02m"; "?" for a negative or non-finite time.
[[nodiscard]] std::string format_duration(double seconds);

/// Seconds left: `items_left` times the mean seconds of the `items_done` measured so far;
/// nullopt before the first one.
[[nodiscard]] std::optional<double> estimate_eta_s(double elapsed_s, int64_t items_done,
                                                   int64_t items_left);

/// One GPU's part of a pool's progress line.
struct LaneProgress {
  int ordinal = 0;                     ///< the GPU (sweep --gpus)
  std::optional<ProgressState> state;  ///< its problem; nullopt: idle or out of the pool
  std::optional<double> eta_s;         ///< its problem's ETA; nullopt: not known yet
};

/// The in-place line of a pool of GPUs, without a newline: problems done, the sweep's ETA, then
/// per GPU its problem, configs done and that problem's ETA:
///   [3 GPUs] problems 5/18, ETA 3m05s | gpu0 64x7168x16384 12/24 ETA 41s | gpu1 ... | gpu2 idle
[[nodiscard]] std::string format_pool_progress(int64_t problems_done, int64_t problem_count,
                                               std::optional<double> eta_s,
                                               const std::vector<LaneProgress>& lanes);

/// Writes progress lines to a stream (stderr).
class ProgressPrinter {
 public:
  /// `in_place`: the stream is a terminal (rewrite one line). `quiet`: print nothing.
  ProgressPrinter(std::FILE* out, bool in_place, bool quiet)
      : out_(out), in_place_(in_place), quiet_(quiet) {}
  /// The state changed (shown at once on a terminal, else kept for finish()).
  void update(const ProgressState& state);
  /// The problem is done: its last state becomes a permanent line.
  void finish(const ProgressState& state);
  /// Ends an in-place line (before other output, e.g. a log line or the end of the sweep).
  void break_line();
  /// update() and finish() of a line already formatted.
  void update_text(const std::string& line);
  void finish_text(const std::string& line);

 private:
  std::FILE* out_;
  bool in_place_;
  bool quiet_;
  bool line_open_ = false;
};

/// The progress of a sweep over one worker per GPU (sweep --gpus), shared by their threads:
/// each GPU's problem and ETA, the problems done overall and the sweep's ETA. With one GPU the
/// lines are exactly ProgressPrinter's; with several, each finished problem's line starts with
/// "[gpu N] " and the in-place line of a terminal shows every GPU (format_pool_progress()).
/// NOTE: a GPU's ETA is its problem's measurements left times that GPU's own seconds per
/// measurement so far (the sweep's time over the measurements it made): GPUs of one model still
/// differ in clocks and in the problems they drew.
class SweepProgress {
 public:
  /// `ordinals`: the GPU of each worker; `items_left`: measurements still to make.
  SweepProgress(ProgressPrinter printer, std::vector<int> ordinals, int64_t problem_count,
                int64_t items_left);
  /// Worker `lane`'s state changed.
  void update(size_t lane, const ProgressState& state);
  /// Worker `lane` finished its problem (`state` is its last).
  void finish(size_t lane, const ProgressState& state);
  /// Worker `lane` is out of the pool (its line says so no more).
  void retire(size_t lane);
  void break_line();
  /// Worker `lane` made one measurement; returns the sweep's ETA (nullopt before the first).
  std::optional<double> item_done(size_t lane);
  /// The ETA as of the last item_done().
  [[nodiscard]] std::optional<double> eta_s() const;

 private:
  [[nodiscard]] std::string pool_line() const;

  mutable std::mutex mutex_;
  ProgressPrinter printer_;
  std::vector<int> ordinals_;
  std::vector<std::optional<ProgressState>> states_;  // per lane; nullopt: idle or retired
  std::vector<int64_t> lane_items_done_;
  int64_t problem_count_;
  int64_t problems_done_ = 0;
  int64_t items_left_;
  int64_t items_done_ = 0;
  std::optional<double> eta_s_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace gemmtune::sweep
