// export: format dispatch and the JSON, CSV and cuBLASLt-algorithm forms (C++ header: export_cpp.cpp).
#include <fmt/format.h>

#include "core/serving.hpp"
#include "report/export.hpp"
#include "report/markup.hpp"
#include "report/summary_model.hpp"

namespace gemmtune::report {
namespace {

[[nodiscard]] std::string csv_number(std::optional<double> v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : "";
}

}  // namespace

std::optional<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "json") return ExportFormat::kJson;
  if (name == "csv") return ExportFormat::kCsv;
  if (name == "cpp") return ExportFormat::kCpp;
  if (name == "cublaslt") return ExportFormat::kCublaslt;
  return std::nullopt;
}

// NOTE: labels and env strings need not be valid UTF-8 (a table built from a run folder keeps
// what the shape set held); nlohmann's dump() throws on such bytes unless told to replace them.
std::string export_json(const TuningTable& table) {
  return to_json(table).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string export_csv(const TuningTable& table) {
  // NOTE: grouped problems add the op, G and group-size columns and their per-group baselines,
  // only when the table has any (a dense table's CSV is unchanged); the serving constraints add
  // `sms` and `batch_invariant` columns (the table's, on every row) only to a table swept with them.
  const bool grouped = has_grouped(table);
  const ServingConstraints& serving = table.env.serving;
  const bool constrained = serving.sms.has_value() || serving.batch_invariant;
  const std::string serving_cells =
      constrained ? fmt::format(",{},{}", serving.sms ? std::to_string(*serving.sms) : "",
                                serving.batch_invariant ? "true" : "false")
                  : "";
  const std::vector<RunKind> kinds = table_baseline_kinds(table);
  std::string csv = grouped ? "op,groups,group_m,max_m," : "";
  csv += "label,n,k,m,config,median_us,spread_rel,tflops,gbps,timing_mode";
  for (const RunKind kind : kinds) csv += "," + std::string(to_string(kind)) + "_us";
  for (const RunKind kind : kinds) csv += ",speedup_vs_" + std::string(to_string(kind));
  csv += constrained ? ",reason,sms,batch_invariant\n" : ",reason\n";
  for (const TableProblem& p : table.problems) {
    for (const TableEntry& e : p.entries) {
      const GemmShape shape = shape_of(p, e);
      const std::optional<double> us = e.config ? std::optional(e.median_us) : std::nullopt;
      if (grouped) {
        std::string rows;
        for (std::size_t g = 0; g < e.group_m.size(); ++g) rows += (g ? " " : "") + std::to_string(e.group_m[g]);
        csv += fmt::format("{},{},{},{},", to_string(p.layout), p.groups, csv_field(rows), e.max_m);
      }
      csv += fmt::format("{},{},{},{},{},{},{},{},{},{}", csv_field(p.label), p.n, p.k, e.m,
                         csv_field(e.config.value_or("")), csv_number(us, 3),
                         e.config ? fmt::format("{:.4f}", e.spread_rel) : "",
                         csv_number(us ? std::optional(gemm_tflops(shape, *us)) : std::nullopt, 1),
                         csv_number(us ? std::optional(gemm_gbps(shape, *us)) : std::nullopt, 1),
                         csv_field(e.timing_mode));
      for (const RunKind kind : kinds) {
        const auto it = e.baselines.find(kind);
        csv += "," + csv_number(it == e.baselines.end() ? std::nullopt
                                                        : std::optional(it->second.median_us), 3);
      }
      for (const RunKind kind : kinds) csv += "," + csv_number(speedup(e, kind), 4);
      csv += "," + csv_field(e.reason) + serving_cells + "\n";
    }
  }
  return csv;
}

std::string export_cublaslt(const TuningTable& table) {
  Json entries = Json::array();
  for (const TableProblem& p : table.problems) {
    for (const TableEntry& e : p.entries) {
      // Grouped entries have no cublaslt_best (their baselines are per group).
      const auto best = e.baselines.find(RunKind::kCublasltBest);
      if (best == e.baselines.end()) continue;
      entries.push_back({{"label", p.label},
                         {"m", e.m},
                         {"n", p.n},
                         {"k", p.k},
                         {"median_us", best->second.median_us},
                         {"spread_rel", best->second.spread_rel},
                         {"algo", best->second.algo}});
    }
  }
  const Json out = {{"schema", "gemmtune.cublaslt_algos/1"},
                              {"cublaslt_version", table.env.cublaslt},
                              {"cuda_runtime", table.env.cuda_runtime},
                              {"driver", table.env.driver},
                              {"gpu", table.env.gpu_name},
                              {"timing_mode", table.env.timing_mode},
                              {"entries", std::move(entries)}};
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string export_table(const TuningTable& table, ExportFormat format) {
  switch (format) {
    case ExportFormat::kJson: return export_json(table);
    case ExportFormat::kCsv: return export_csv(table);
    case ExportFormat::kCpp: return export_cpp(table);
    case ExportFormat::kCublaslt: return export_cublaslt(table);
  }
  return export_json(table);
}

}  // namespace gemmtune::report
