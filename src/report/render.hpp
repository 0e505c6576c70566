#pragma once
/// The human-readable outputs of `gemmtune report`: summary.md, roofline.svg and report.html,
/// each a pure function of the tuning table, plus the writer of the whole set.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "report/tuning_table.hpp"

namespace gemmtune::report {

/// summary.md: environment header, one row per (M, N, K), geometric means of the speedups.
[[nodiscard]] std::string render_summary_md(const TuningTable& table);

/// roofline.svg: log-log TFLOPS over arithmetic intensity with the env's roofs, one point per
/// (M, N, K) for gemmtune (`class="pt gemmtune"`) and cuBLASLt best (`class="pt cublaslt_best"`).
[[nodiscard]] std::string render_roofline_svg(const TuningTable& table);

/// report.html: self-contained (inline CSS and SVG, no script, no network).
[[nodiscard]] std::string render_report_html(const TuningTable& table);

/// Sections other outputs add to the report (e.g. accuracy, report/accuracy_report.hpp): appended
/// to summary.md, and to report.html before </body>.
struct ReportExtras {
  std::string summary_md;
  std::string report_html;
};

/// tuning_table.json, summary.md, roofline.svg and report.html as (file name, text).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> render_report_files(
    const TuningTable& table, const ReportExtras& extras = {});

/// Writes render_report_files() into `dir` (created if needed; a link there is refused), each
/// file published atomically (core/atomic_file.hpp); returns the paths written. A file that
/// cannot be written throws kExitIoError with the OS reason.
std::vector<std::filesystem::path> write_report_files(const TuningTable& table,
                                                      const std::filesystem::path& dir,
                                                      const ReportExtras& extras = {});

/// Writes `text` to `path` atomically (core/atomic_file.hpp), throwing kExitIoError naming the
/// path and the OS reason on failure.
void write_text_file(const std::filesystem::path& path, const std::string& text);

/// Creates `dir` if needed (a link there is refused) and writes each (file name, text) into it
/// atomically; returns the paths written. Failures throw kExitIoError with the OS reason.
std::vector<std::filesystem::path> write_text_files(
    const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace gemmtune::report
