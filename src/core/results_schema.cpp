#include "core/results_schema.hpp"

#include "core/enum_names.hpp"

namespace gemmtune {
namespace {

constexpr EnumNames<RunKind, 8> kKindNames{{{
    {RunKind::kGemmtune, "gemmtune"},
    {RunKind::kCublasltHeuristic, "cublaslt_heuristic"},
    {RunKind::kCublasltBest, "cublaslt_best"},
    {RunKind::kCublasltFp8Tensor, "cublaslt_fp8_tensor"},
    {RunKind::kSideBySide, "side_by_side"},
    {RunKind::kCublasltPerGroup, "cublaslt_per_group"},
    {RunKind::kCublasltPerGroupGraph, "cublaslt_per_group_graph"},
    {RunKind::kStreamFloor, "stream_floor"},
}}};

constexpr EnumNames<Disposition, 7> kDispositionNames{{{
    {Disposition::kPassed, "passed"},
    {Disposition::kIncorrect, "incorrect"},
    {Disposition::kCompileFailed, "compile_failed"},
    {Disposition::kLaunchFailed, "launch_failed"},
    {Disposition::kFaulted, "faulted"},
    {Disposition::kTimedOut, "timed_out"},
    {Disposition::kSkipped, "skipped"},
}}};

}  // namespace

const char* to_string(RunKind kind) { return kKindNames.name(kind); }
const char* to_string(Disposition disposition) { return kDispositionNames.name(disposition); }
std::optional<RunKind> parse_run_kind(std::string_view name) { return kKindNames.parse(name); }
std::optional<Disposition> parse_disposition(std::string_view name) {
  return kDispositionNames.parse(name);
}
std::vector<std::string> run_kind_names() { return kKindNames.names(); }
std::vector<std::string> disposition_names() { return kDispositionNames.names(); }

}  // namespace gemmtune
