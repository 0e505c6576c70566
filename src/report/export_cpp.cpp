// export --format cpp: a self-contained C++17 header with the tuned configs and select().
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "core/kernel_config.hpp"
#include "core/serving.hpp"
#include "report/export.hpp"
#include "report/markup.hpp"
#include "report/serving_fields.hpp"

namespace gemmtune::report {
namespace {

/// A C++ double literal that round-trips: shortest form, with ".0" added to whole numbers.
[[nodiscard]] std::string double_literal(double v) {
  std::string text = fmt::format("{}", v);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

[[nodiscard]] char multicast_char(Multicast m) {
  return m == Multicast::kA ? 'A' : m == Multicast::kB ? 'B' : '0';
}

constexpr const char* kPreamble = R"(#pragma once

namespace gemmtune_tuned {

/// One kernel config (`gemmtune run --config NAME` takes `name`).
struct Config {
  int block_m, block_n, stages;
  char multicast;  // '0' none, 'A' or 'B': the operand TMA multicasts across a 2-CTA cluster
  int num_sms;     // CTAs of the persistent grid
  char raster;     // 'M' or 'N': the dimension the tile scheduler walks inside a group; 'G': N
                   // in groups of m-blocks that stop at the MoE groups' boundaries
  int group;       // raster group size in blocks
  int split_k;
  const char* name;
};

/// One tuned (N, K, M) with the median time it was measured at.
struct Entry {
  long long n, k, m;
  double median_us;
  Config config;
};

/// One tuned grouped GEMM (MoE experts): layout 'C' contiguous or 'M' masked, G groups of N x K
/// weights; `rows` the useful rows it was tuned with (all groups' together), `max_m` the masked
/// layout's rows per group in A and D (0 contiguous). The config's name ends in _gC or _gM.
struct GroupedEntry {
  char layout;
  long long groups, n, k, rows, max_m;
  double median_us;
  Config config;
};

)";

constexpr const char* kSelect = R"(
/// The config for M x N x K: among the entries of the exact (n, k), the one with the smallest
/// tuned M >= m, else the one with the largest tuned M; nullptr when (n, k) was not tuned.
constexpr const Config* select(long long m, long long n, long long k) {
  const Entry* largest = nullptr;
  for (int i = 0; i < kNumEntries; ++i) {  // sorted by (n, k, m)
    const Entry& e = kEntries[i];
    if (e.n != n || e.k != k) continue;
    if (e.m >= m) return &e.config;
    largest = &e;
  }
  return largest != nullptr ? &largest->config : nullptr;
}

/// The config for a grouped GEMM of `rows` useful rows in all (contiguous: the sum of the group
/// sizes; masked: the expected rows per group times G, which steers the choice only): among the
/// entries of the exact (layout, groups, n, k), the one with the smallest tuned rows >= rows,
/// else the one with the largest; nullptr when that (layout, groups, n, k) was not tuned.
constexpr const Config* select_grouped(char layout, long long groups, long long n, long long k,
                                       long long rows) {
  const GroupedEntry* largest = nullptr;
  for (int i = 0; i < kNumGroupedEntries; ++i) {  // sorted by (layout, groups, n, k, rows)
    const GroupedEntry& e = kGroupedEntries[i];
    if (e.layout != layout || e.groups != groups || e.n != n || e.k != k) continue;
    if (e.rows >= rows) return &e.config;
    largest = &e;
  }
  return largest != nullptr ? &largest->config : nullptr;
}

}  // namespace gemmtune_tuned
)";

/// `config`'s fields as a C++ Config initializer.
[[nodiscard]] std::string config_literal(const KernelConfig& c, const std::string& name) {
  return fmt::format("{{{}, {}, {}, '{}', {}, '{}', {}, {}, {}}}", c.block_m, c.block_n,
                     c.stages, multicast_char(c.multicast), c.num_sms,
                     raster_letter(c.raster), c.group, c.split_k,
                     cpp_string_literal(name));
}

}  // namespace

namespace {

/// The entries with a config of the problems `wanted` accepts, in table order.
template <class Wanted>
[[nodiscard]] std::vector<TunedEntry> entries_with_config(const TuningTable& table, Wanted wanted) {
  std::vector<TunedEntry> out;
  for (const TableProblem& p : table.problems) {
    if (!wanted(p)) continue;
    for (const TableEntry& e : p.entries) {
      if (!e.config) continue;
      std::string error;
      const std::optional<KernelConfig> config = parse_kernel_config(*e.config, &error);
      if (!config) {
        throw Error(kExitUsage, fmt::format("problem {} n={} k={} m={}: config \"{}\": {}",
                                            p.label, p.n, p.k, e.m, *e.config, error));
      }
      out.push_back({&p, &e, *config});
    }
  }
  return out;
}

[[nodiscard]] char layout_char(GroupLayout layout) {
  return layout == GroupLayout::kContiguous ? 'C' : 'M';
}

}  // namespace

std::vector<TunedEntry> tuned_entries(const TuningTable& table) {
  std::vector<TunedEntry> out = entries_with_config(
      table, [](const TableProblem& p) { return p.layout == GroupLayout::kNone; });
  std::sort(out.begin(), out.end(), [](const TunedEntry& a, const TunedEntry& b) {
    return std::tie(a.problem->n, a.problem->k, a.entry->m) <
           std::tie(b.problem->n, b.problem->k, b.entry->m);
  });
  return out;
}

std::vector<TunedEntry> tuned_grouped_entries(const TuningTable& table) {
  std::vector<TunedEntry> out = entries_with_config(
      table, [](const TableProblem& p) { return p.layout != GroupLayout::kNone; });
  const auto key = [](const TunedEntry& e) {
    return std::make_tuple(layout_char(e.problem->layout), e.problem->groups, e.problem->n,
                           e.problem->k, e.entry->m);
  };
  std::sort(out.begin(), out.end(),
            [&](const TunedEntry& a, const TunedEntry& b) { return key(a) < key(b); });
  return out;
}

std::string export_cpp(const TuningTable& table) {
  const std::vector<TunedEntry> entries = tuned_entries(table);
  const std::vector<TunedEntry> grouped = tuned_grouped_entries(table);
  const Json& env = table.env.raw;
  std::string h = fmt::format(
      "// Generated by `gemmtune export --format cpp`; do not edit, export again.\n"
      "// gemmtune {} (git {}). Tuned on {}: driver {}, CUDA {}, NVRTC {}; timing mode {}.\n"
      "// Self-contained C++17 (no includes); {} entries, {} grouped entries.\n",
      cpp_comment_text(env.value("tool_version", "?")), cpp_comment_text(env.value("git_rev", "?")),
      cpp_comment_text(table.env.gpu_name), cpp_comment_text(table.env.driver),
      cpp_comment_text(table.env.cuda_runtime), cpp_comment_text(table.env.nvrtc),
      cpp_comment_text(table.env.timing_mode),
      entries.size(), grouped.size());
  if (const std::string serving = describe(table.env.serving); !serving.empty()) {
    h += "// Tuned for serving: " + serving + ".\n";
  }
  h += kPreamble;
  h += serving_constants_cpp(table.env.serving, "int", "config", "num_sms");
  if (entries.empty()) {
    // NOTE: C++ has no zero-length arrays; a one-element sentinel keeps select() unchanged.
    h += "inline constexpr Entry kEntries[] = {{0, 0, 0, 0.0, {0, 0, 0, '0', 0, 'N', 0, 0, \"\"}}};\n"
         "inline constexpr int kNumEntries = 0;\n";
  } else {
    h += "inline constexpr Entry kEntries[] = {\n";
    for (const TunedEntry& e : entries) {
      const KernelConfig& c = e.config;
      h += fmt::format("    // {} M={} N={} K={}\n", cpp_comment_text(e.problem->label), e.entry->m, e.problem->n,
                       e.problem->k);
      h += fmt::format("    {{{}, {}, {}, {}, {}}},\n", e.problem->n, e.problem->k, e.entry->m,
                       double_literal(e.entry->median_us), config_literal(c, *e.entry->config));
    }
    h += "};\ninline constexpr int kNumEntries = sizeof(kEntries) / sizeof(kEntries[0]);\n";
  }
  if (grouped.empty()) {
    h += "inline constexpr GroupedEntry kGroupedEntries[] = {{'C', 0, 0, 0, 0, 0, 0.0, "
         "{0, 0, 0, '0', 0, 'N', 0, 0, \"\"}}};\n"
         "inline constexpr int kNumGroupedEntries = 0;\n";
  } else {
    h += "inline constexpr GroupedEntry kGroupedEntries[] = {\n";
    for (const TunedEntry& e : grouped) {
      h += fmt::format("    // {} {} G={} rows={} N={} K={}\n", cpp_comment_text(e.problem->label),
                       to_string(e.problem->layout), e.problem->groups, e.entry->m, e.problem->n,
                       e.problem->k);
      h += fmt::format("    {{'{}', {}, {}, {}, {}, {}, {}, {}}},\n", layout_char(e.problem->layout),
                       e.problem->groups, e.problem->n, e.problem->k, e.entry->m, e.entry->max_m,
                       double_literal(e.entry->median_us), config_literal(e.config, *e.entry->config));
    }
    h += "};\ninline constexpr int kNumGroupedEntries =\n"
         "    sizeof(kGroupedEntries) / sizeof(kGroupedEntries[0]);\n";
  }
  return h + kSelect;
}

}  // namespace gemmtune::report
