#pragma once
/// The outputs of `gemmtune accuracy` (src/core/accuracy/README.md "The command"): accuracy.json
/// (schema gemmtune.accuracy/2), accuracy.md and accuracy.svg (error over K per recipe), and the
/// short accuracy section `gemmtune report` adds to summary.md and report.html when a run folder
/// has an accuracy.json. Host-only.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/accuracy/accuracy_study.hpp"

namespace gemmtune::report {

/// Schema of accuracy.json. /2: vs_reference judged with a per-row relative-error floor
/// (core/accuracy/accuracy_validation.hpp), with the floor, its range, the worst element and the dense
/// bar's whole-output value beside it. /1 (whole-output floor) is still read.
inline constexpr const char* kAccuracySchema = "gemmtune.accuracy/2";
inline constexpr const char* kAccuracySchemaV1 = "gemmtune.accuracy/1";
/// File names in an output folder.
inline constexpr const char* kAccuracyJson = "accuracy.json";
inline constexpr const char* kAccuracyMd = "accuracy.md";
inline constexpr const char* kAccuracySvg = "accuracy.svg";

/// One accuracy run: the header (schema, tool, git revision, command, environment, options,
/// method, recipes, inputs, skipped) and the entries.
struct AccuracyDocument {
  nlohmann::json header;  ///< every top-level member except "entries"
  AccuracyResults results;
};

/// The method block written into every accuracy.json: reference, metrics and their definitions,
/// what is emulated and how (with sources).
[[nodiscard]] nlohmann::json accuracy_method_json();

/// The whole accuracy.json document.
[[nodiscard]] nlohmann::json to_json(const AccuracyDocument& document);
/// Reads accuracy.json (input limits of core/json_input.hpp); a wrong schema or a missing or
/// mistyped field is Error(kExitUsage) naming the file and the field.
[[nodiscard]] AccuracyDocument read_accuracy_json(const std::string& file);

/// accuracy.md: method, recipes, inputs, one table per (section, input), skipped.
[[nodiscard]] std::string render_accuracy_md(const AccuracyDocument& document);
/// accuracy.svg: relative RMS error (mean over seeds) over K, one series per recipe and path,
/// for the first input of the run; the accumulation study drawn against the exact accumulation.
[[nodiscard]] std::string render_accuracy_svg(const AccuracyDocument& document);
/// The section `gemmtune report` appends to summary.md (Markdown) and to report.html.
[[nodiscard]] std::string render_accuracy_section_md(const AccuracyDocument& document);
[[nodiscard]] std::string render_accuracy_section_html(const AccuracyDocument& document);

/// accuracy.json, accuracy.md and accuracy.svg as (file name, text).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> render_accuracy_files(
    const AccuracyDocument& document);

/// Writes render_accuracy_files() into `dir` (created if needed; a link there is refused), each
/// published atomically; returns the paths. An unwritable folder or file is Error(kExitIoError)
/// naming it and the OS reason.
std::vector<std::filesystem::path> write_accuracy_files(const AccuracyDocument& document,
                                                        const std::filesystem::path& dir);

}  // namespace gemmtune::report
