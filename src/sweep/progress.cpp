// Progress lines of the sweep.
#include "sweep/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace gemmtune::sweep {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

std::optional<double> estimate_eta_s(double elapsed_s, int64_t items_done, int64_t items_left) {
  if (items_done <= 0) return std::nullopt;
  return elapsed_s / static_cast<double>(items_done) * static_cast<double>(items_left);
}

std::string format_progress(const ProgressState& s) {
  std::string line = fmt::format("[problem {}/{}] {}x{}x{}", s.problem_index, s.problem_count,
                                 s.problem.m, s.problem.n, s.problem.k);
  if (!s.problem.label.empty()) line += " " + s.problem.label;
  line += fmt::format(": configs {}/{}", s.configs_done, s.configs_total);
  if (s.best_us) {
    line += fmt::format(", best so far {:.2f} us ({})", *s.best_us, s.best_config);
  } else {
    line += ", best so far -";
  }
  line += ", ETA " + (s.eta_s ? format_duration(*s.eta_s) : std::string("?"));
  return line;
}

std::string format_pool_progress(int64_t problems_done, int64_t problem_count,
                                 std::optional<double> eta_s,
                                 const std::vector<LaneProgress>& lanes) {
  const auto eta = [](const std::optional<double>& s) {
    return s ? format_duration(*s) : std::string("?");
  };
  std::string line = fmt::format("[{} GPUs] problems {}/{}, ETA {}", lanes.size(), problems_done,
                                 problem_count, eta(eta_s));
  for (const LaneProgress& lane : lanes) {
    line += fmt::format(" | gpu{} ", lane.ordinal);
    const std::optional<ProgressState>& s = lane.state;
    line += s ? fmt::format("{}x{}x{} {}/{} ETA {}", s->problem.m, s->problem.n, s->problem.k,
                            s->configs_done, s->configs_total, eta(lane.eta_s))
              : std::string("idle");
  }
  return line;
}

void ProgressPrinter::update(const ProgressState& state) { update_text(format_progress(state)); }

void ProgressPrinter::finish(const ProgressState& state) { finish_text(format_progress(state)); }

void ProgressPrinter::update_text(const std::string& line) {
  if (quiet_ || !in_place_) return;
  // NOTE: "\r" returns to the line start and "\x1b[K" clears what a longer line left behind.
  std::fprintf(out_, "\r%s\x1b[K", line.c_str());
  std::fflush(out_);
  line_open_ = true;
}

void ProgressPrinter::finish_text(const std::string& line) {
  if (quiet_) return;
  if (in_place_) {
    update_text(line);
    break_line();
    return;
  }
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void ProgressPrinter::break_line() {
  if (!line_open_) return;
  std::fputc('\n', out_);
  std::fflush(out_);
  line_open_ = false;
}

}  // namespace gemmtune::sweep

namespace gemmtune::sweep {

SweepProgress::SweepProgress(ProgressPrinter printer, std::vector<int> ordinals,
                             int64_t problem_count, int64_t items_left)
    : printer_(printer),
      ordinals_(std::move(ordinals)),
      states_(ordinals_.size()),
      lane_items_done_(ordinals_.size(), 0),
      problem_count_(problem_count),
      items_left_(items_left),
      start_(std::chrono::steady_clock::now()) {}

std::string SweepProgress::pool_line() const {
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::vector<LaneProgress> lanes;
  for (size_t lane = 0; lane < states_.size(); ++lane) {
    const std::optional<ProgressState>& s = states_[lane];
    lanes.push_back({.ordinal = ordinals_[lane], .state = s,
                     .eta_s = s ? estimate_eta_s(elapsed_s, lane_items_done_[lane], s->items_left)
                                : std::nullopt});
  }
  return format_pool_progress(problems_done_, problem_count_, eta_s_, lanes);
}

void SweepProgress::update(size_t lane, const ProgressState& state) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (ordinals_.size() == 1) {
    printer_.update(state);
    return;
  }
  states_.at(lane) = state;
  printer_.update_text(pool_line());
}

void SweepProgress::finish(size_t lane, const ProgressState& state) {
  const std::lock_guard<std::mutex> lock(mutex_);
  ++problems_done_;
  if (ordinals_.size() == 1) {
    printer_.finish(state);
    return;
  }
  states_.at(lane).reset();
  printer_.finish_text(fmt::format("[gpu {}] {}", ordinals_[lane], format_progress(state)));
  printer_.update_text(pool_line());
}

void SweepProgress::retire(size_t lane) {
  const std::lock_guard<std::mutex> lock(mutex_);
  states_.at(lane).reset();
}

void SweepProgress::break_line() {
  const std::lock_guard<std::mutex> lock(mutex_);
  printer_.break_line();
}

std::optional<double> SweepProgress::item_done(size_t lane) {
  const std::lock_guard<std::mutex> lock(mutex_);
  ++items_done_;
  ++lane_items_done_.at(lane);
  items_left_ = std::max<int64_t>(0, items_left_ - 1);
  eta_s_ = estimate_eta_s(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(),
      items_done_, items_left_);
  return eta_s_;
}

std::optional<double> SweepProgress::eta_s() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return eta_s_;
}

}  // namespace gemmtune::sweep
