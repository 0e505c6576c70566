#pragma once
/// The one owner of the result schemas' names (src/report/README.md "Tuning table").
/// Writers emit the current version; readers accept it and every older version listed here.
///
/// gemmtune.run/2 and gemmtune.tuning_table/2: a record's problem may be
/// grouped ("op", "groups", "group_m", "max_m", "useful_rows": core/problem_json.hpp), with the
/// cuBLASLt per-group baselines as kinds; a table problem has "op" and "groups", an entry the
/// group sizes. A /1 record or table is a dense one: read as such, unchanged.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemmtune {

/// One line of runs.jsonl.
inline constexpr std::string_view kRunSchema = "gemmtune.run/2";
inline constexpr std::string_view kRunSchemaV1 = "gemmtune.run/1";
/// tuning_table.json.
inline constexpr std::string_view kTuningTableSchema = "gemmtune.tuning_table/2";
inline constexpr std::string_view kTuningTableSchemaV1 = "gemmtune.tuning_table/1";

/// Whether a reader of run records accepts `schema`.
[[nodiscard]] constexpr bool is_run_schema(std::string_view schema) {
  return schema == kRunSchema || schema == kRunSchemaV1;
}
/// Whether a reader of tuning tables accepts `schema`.
[[nodiscard]] constexpr bool is_tuning_table_schema(std::string_view schema) {
  return schema == kTuningTableSchema || schema == kTuningTableSchemaV1;
}

/// Who produced a measurement (a record's "kind"). kSideBySide: a problem's run-off, its fastest
/// screened configs re-timed against each other and then beside the cuBLASLt baselines (its
/// `side_by_side` object); the source of the table's choice (when it has a `runoff`) and
/// speedups. Grouped problems have their own baselines: cuBLASLt block-scaled once per group,
/// launched in a loop (kCublasltPerGroup) or replayed from one CUDA graph
/// (kCublasltPerGroupGraph). kStreamFloor (`sweep --stream-floor`, runtime/stream_floor.hpp): no
/// GEMM, the fastest read of the problem's bytes in the same protocol, what a memory-bound config
/// cannot beat. The runtime measures and the reports read with this one enum.
enum class RunKind { kGemmtune, kCublasltHeuristic, kCublasltBest, kCublasltFp8Tensor, kSideBySide,
                     kCublasltPerGroup, kCublasltPerGroupGraph, kStreamFloor };
/// Kinds whose records name a gemmtune config (the others are cuBLASLt baselines).
[[nodiscard]] constexpr bool has_config(RunKind kind) {
  return kind == RunKind::kGemmtune || kind == RunKind::kSideBySide;
}

/// The outcome of one measurement (a record's "disposition", the CUTLASS profiler's vocabulary).
enum class Disposition { kPassed, kIncorrect, kCompileFailed, kLaunchFailed, kFaulted, kTimedOut,
                         kSkipped };
/// Every disposition, in declaration order.
inline constexpr Disposition kAllDispositions[] = {
    Disposition::kPassed,       Disposition::kIncorrect, Disposition::kCompileFailed,
    Disposition::kLaunchFailed, Disposition::kFaulted,   Disposition::kTimedOut,
    Disposition::kSkipped};

/// The schema names: "gemmtune", "cublaslt_best", ...; "passed", "faulted", ...
[[nodiscard]] const char* to_string(RunKind kind);
[[nodiscard]] const char* to_string(Disposition disposition);
/// The kind or disposition called `name`, nullopt when there is none.
[[nodiscard]] std::optional<RunKind> parse_run_kind(std::string_view name);
[[nodiscard]] std::optional<Disposition> parse_disposition(std::string_view name);
/// Every name, in declaration order (for error messages).
[[nodiscard]] std::vector<std::string> run_kind_names();
[[nodiscard]] std::vector<std::string> disposition_names();

}  // namespace gemmtune
