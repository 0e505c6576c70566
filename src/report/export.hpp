#pragma once
/// `gemmtune export TABLE --format json|csv|cpp|cublaslt`: the tuning table in forms other
/// programs consume. src/report/README.md "Export". The bundle format (compiled kernels and a
/// dispatcher) is report/export_bundle.hpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/kernel_config.hpp"
#include "report/tuning_table.hpp"

namespace gemmtune::report {

/// The output formats of `gemmtune export`.
enum class ExportFormat { kJson, kCsv, kCpp, kCublaslt };

/// "json", "csv", "cpp" or "cublaslt"; nullopt otherwise.
[[nodiscard]] std::optional<ExportFormat> parse_export_format(std::string_view name);

/// One entry of the table with a config, and that config parsed.
struct TunedEntry {
  const TableProblem* problem;
  const TableEntry* entry;
  KernelConfig config;
};

/// The dense entries with a config, sorted by (n, k, m): the rows of the cpp header and the
/// bundle. A config that does not parse throws kExitUsage naming the entry.
[[nodiscard]] std::vector<TunedEntry> tuned_entries(const TuningTable& table);
/// The grouped entries with a config, sorted by (layout, groups, n, k, useful rows): the cpp
/// header's kGroupedEntries and the bundle's. Same errors as tuned_entries().
[[nodiscard]] std::vector<TunedEntry> tuned_grouped_entries(const TuningTable& table);

/// The canonical `gemmtune.tuning_table/1` JSON, indented.
[[nodiscard]] std::string export_json(const TuningTable& table);

/// One row per (N, K, M), header first; entries without a config have an empty config column.
[[nodiscard]] std::string export_csv(const TuningTable& table);

/// A self-contained C++17 header: `struct Config`, a constexpr table sorted by (n, k, m) and
/// `select(m, n, k)`, which for the exact (n, k) returns the config of the smallest tuned M >= m,
/// else of the largest tuned M, and nullptr for an (n, k) that was not tuned. Entries without a
/// passing config are left out. A config that does not parse throws kExitUsage.
[[nodiscard]] std::string export_cpp(const TuningTable& table);

/// `gemmtune.cublaslt_algos/1` JSON: per (N, K, M) the fastest cuBLASLt algorithm record found
/// by enumeration, with the cuBLASLt version and GPU it was measured with.
[[nodiscard]] std::string export_cublaslt(const TuningTable& table);

/// Dispatches to the functions above.
[[nodiscard]] std::string export_table(const TuningTable& table, ExportFormat format);

}  // namespace gemmtune::report
