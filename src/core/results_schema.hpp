#pragma once
/// The one owner of the result schemas' names (README "Run folder and tuning table schema").
/// Writers emit the current version; readers accept it and every older version listed here.
///
/// gemmtune.run/2 and gemmtune.tuning_table/2 (2026-11-22, issue 11): a record's problem may be
/// grouped ("op", "groups", "group_m", "max_m", "useful_rows": core/problem_json.hpp), with the
/// cuBLASLt per-group baselines as kinds; a table problem has "op" and "groups", an entry the
/// group sizes. A /1 record or table is a dense one: read as such, unchanged.
#include <string_view>

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

}  // namespace gemmtune
