// Progress lines of the sweep.
#include "sweep/progress.hpp"

#include <fmt/format.h>

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

void ProgressPrinter::update(const ProgressState& state) {
  if (quiet_ || !in_place_) return;
  // NOTE: "\r" returns to the line start and "\x1b[K" clears what a longer line left behind.
  std::fprintf(out_, "\r%s\x1b[K", format_progress(state).c_str());
  std::fflush(out_);
  line_open_ = true;
}

void ProgressPrinter::finish(const ProgressState& state) {
  if (quiet_) return;
  if (in_place_) {
    update(state);
    break_line();
    return;
  }
  std::fprintf(out_, "%s\n", format_progress(state).c_str());
  std::fflush(out_);
}

void ProgressPrinter::break_line() {
  if (!line_open_) return;
  std::fputc('\n', out_);
  std::fflush(out_);
  line_open_ = false;
}

}  // namespace gemmtune::sweep
