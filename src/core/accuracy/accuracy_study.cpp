#include "core/accuracy/accuracy_study.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/accuracy/accuracy_accumulation.hpp"
#include "core/error.hpp"

namespace gemmtune {
namespace {

/// The entries of one run, found by (section, problem, input, recipe, path) in creation order.
class EntryTable {
 public:
  AccuracyEntry& at(const std::string& section, const Problem& problem, AccuracyInput input, AccuracyRecipe recipe,
                    AccuracyPath path) {
    for (AccuracyEntry& e : entries_) {
      if (e.section == section && e.problem == problem && e.input == input && e.recipe == recipe && e.path == path) {
        return e;
      }
    }
    entries_.push_back(AccuracyEntry{.section = section, .problem = problem, .input = input, .recipe = recipe,
                                     .path = path});
    return entries_.back();
  }
  [[nodiscard]] std::vector<AccuracyEntry> take() { return std::move(entries_); }

 private:
  std::vector<AccuracyEntry> entries_;
};

void skip(AccuracyEntry& e, const std::string& why) {
  e.measured = false;
  if (e.note.empty()) e.note = why;
}

/// Records one seed's output `x` of an entry against the unquantized product `y`; when
/// `dequantized` is given, also the validation of x against it (worst seed kept).
void record(AccuracyEntry& e, std::span<const double> x, std::span<const double> y,
            const std::vector<double>* dequantized) {
  e.measured = true;
  e.per_seed.push_back(compute_accuracy_metrics(x, y));
  if (dequantized == nullptr) return;
  e.per_seed_vs_dequantized.push_back(compute_accuracy_metrics(x, *dequantized));
  if (e.path == AccuracyPath::kCublasLtFastAccum || is_emulated(e.path)) return;  // not the same math
  const AccuracyValidation v = compute_accuracy_validation(x, *dequantized, e.problem.n);
  const ValidationVerdict verdict = judge_accuracy_validation(v);
  // Keep the worst seed: the first failure, else the largest diff.
  const bool old_passed = e.vs_reference_verdict == "passed";
  if (!e.vs_reference || (old_passed && (!verdict.passed || v.metrics.diff > e.vs_reference->metrics.diff))) {
    e.vs_reference = v;
    e.vs_reference_verdict = verdict.passed ? "passed" : verdict.reason;
  }
}

/// Everything one seed of one (problem, input) needs.
struct SeedContext {
  const std::string& section;
  const Problem& problem;
  AccuracyInput input;
  const AccuracyOperands& ops;
  const std::vector<double>& reference;  // float64 product of the unquantized inputs
  AccuracyDevice* device;
  int threads;
};

/// The float64 product on the device when there is one, else on the host.
std::vector<double> product_on(AccuracyDevice* device, const Problem& p, std::span<const double> a,
                               std::span<const double> b, int threads) {
  return device != nullptr ? device->product_f64(a, b, p.m, p.n, p.k) : gemm_nt_f64(a, b, p.m, p.n, p.k, threads);
}

std::vector<double> product(const SeedContext& c, std::span<const double> a, std::span<const double> b) {
  return product_on(c.device, c.problem, a, b, c.threads);
}

void run_bf16(const SeedContext& c, EntryTable& table) {
  const Problem& p = c.problem;
  if (c.device == nullptr) {
    const std::vector<double> a = round_to_bf16_values(c.ops.a), b = round_to_bf16_values(c.ops.b);
    const std::vector<double> d = bf16_rounded(gemm_nt_f64(a, b, p.m, p.n, p.k, c.threads));
    record(table.at(c.section, p, c.input, AccuracyRecipe::kBf16, AccuracyPath::kReferenceCpu), d, c.reference, nullptr);
    return;
  }
  AccuracyEntry& e = table.at(c.section, p, c.input, AccuracyRecipe::kBf16, AccuracyPath::kCublasLt);
  std::string why;
  const auto d = c.device->gemm_bf16(to_bf16_bits(c.ops.a), to_bf16_bits(c.ops.b), p.m, p.n, p.k, &why);
  if (d) {
    record(e, *d, c.reference, nullptr);
  } else {
    skip(e, why);
  }
}

void run_fp8(const SeedContext& c, AccuracyRecipe recipe, EntryTable& table) {
  const Problem& p = c.problem;
  const Fp8Quantization quant = *fp8_quantization(recipe, p.m, p.n, p.k);
  const QuantizedMatrix qa = quantize_e4m3(c.ops.a, p.m, p.k, quant.a, quant.format);
  const QuantizedMatrix qb = quantize_e4m3(c.ops.b, p.n, p.k, quant.b, quant.format);
  std::optional<std::vector<double>> dequantized;  // computed once, when a path needs it
  const auto dequantized_product = [&]() -> const std::vector<double>& {
    if (!dequantized) dequantized = product(c, dequantize(qa), dequantize(qb));
    return *dequantized;
  };
  if (c.device == nullptr) {
    record(table.at(c.section, p, c.input, recipe, AccuracyPath::kReferenceCpu), bf16_rounded(dequantized_product()),
           c.reference, nullptr);
    return;
  }
  for (const AccuracyPath path : gpu_paths(recipe)) {
    AccuracyEntry& e = table.at(c.section, p, c.input, recipe, path);
    if (path == AccuracyPath::kReferenceGpu) {
      record(e, bf16_rounded(dequantized_product()), c.reference, nullptr);
      continue;
    }
    std::string why;
    const auto d = c.device->gemm_fp8(path, qa, qb, &why);
    if (d) {
      record(e, *d, c.reference, &dequantized_product());
    } else if (recipe == AccuracyRecipe::kFp8Channel) {
      // NOTE: the fallback: when cuBLASLt refuses outer-vector scaling for E4M3, the
      // recipe is still measured, on the reference path, and the entry says so.
      AccuracyEntry& fallback = table.at(c.section, p, c.input, recipe, AccuracyPath::kReferenceGpu);
      fallback.note = "cuBLASLt refused: " + why;
      record(fallback, bf16_rounded(dequantized_product()), c.reference, nullptr);
      skip(table.at(c.section, p, c.input, recipe, path), why);
    } else {
      skip(e, why);
    }
  }
}

void run_accumulation(const SeedContext& c, EntryTable& table) {
  const Problem& p = c.problem;
  const Fp8Quantization quant = *fp8_quantization(AccuracyRecipe::kAccumulation, p.m, p.n, p.k);
  const QuantizedMatrix qa = quantize_e4m3(c.ops.a, p.m, p.k, quant.a, quant.format);
  const QuantizedMatrix qb = quantize_e4m3(c.ops.b, p.n, p.k, quant.b, quant.format);
  const AccumulationOutputs emulated = accumulate_emulated(qa, qb, AccumulationModel{}, c.threads);
  const std::vector<double> dequantized = product(c, dequantize(qa), dequantize(qb));
  const auto entry = [&](AccuracyPath path) -> AccuracyEntry& {
    return table.at(c.section, p, c.input, AccuracyRecipe::kAccumulation, path);
  };
  record(entry(AccuracyPath::kEmulatedExact), emulated.exact, c.reference, &dequantized);
  record(entry(AccuracyPath::kEmulatedPromote128), emulated.promote128, c.reference, &dequantized);
  record(entry(AccuracyPath::kEmulatedFullK), emulated.full_k, c.reference, &dequantized);
  if (c.device == nullptr) return;
  for (const AccuracyPath path : gpu_paths(AccuracyRecipe::kAccumulation)) {
    std::string why;
    const auto d = c.device->gemm_fp8(path, qa, qb, &why);
    if (d) {
      record(entry(path), *d, c.reference, &dequantized);
    } else {
      skip(entry(path), why);
    }
  }
}

std::map<std::string, MetricSpread> summarize(const std::vector<AccuracyMetrics>& per_seed) {
  std::map<std::string, MetricSpread> summary;
  if (per_seed.empty()) return summary;
  for (const std::string_view name : accuracy_metric_names()) {
    std::vector<double> values;
    for (const AccuracyMetrics& m : per_seed) values.push_back(metric_value(m, name));
    summary[std::string(name)] = spread_of(values);
  }
  return summary;
}

}  // namespace

bool AccuracyResults::validation_failed() const {
  return std::any_of(entries.begin(), entries.end(), [](const AccuracyEntry& e) {
    return e.path == AccuracyPath::kGemmtune && !e.vs_reference_verdict.empty() && e.vs_reference_verdict != "passed";
  });
}

AccuracyResults run_accuracy(const std::vector<Problem>& problems, const AccuracyOptions& options,
                             AccuracyDevice* device, const std::string& no_gpu_reason) {
  GT_CHECK(options.seeds >= 1 && options.seeds <= kMaxAccuracySeeds, kExitUsage, "seeds out of range");
  AccuracyResults results;
  results.gpu = device != nullptr;
  results.device = device != nullptr ? device->description() : "no GPU (" + no_gpu_reason + ")";
  EntryTable table;
  const bool study = std::find(options.recipes.begin(), options.recipes.end(), AccuracyRecipe::kAccumulation) !=
                     options.recipes.end();
  int64_t too_large = 0, grouped = 0;
  for (const Problem& p : problems) {
    if (p.layout != GroupLayout::kNone) {
      ++grouped;
      continue;
    }
    const bool fits_cpu = device != nullptr || p.m * p.n * p.k <= options.cpu_max_macs;
    too_large += fits_cpu ? 0 : 1;
    for (const AccuracyInput input : options.inputs) {
      for (const AccuracyRecipe recipe : options.recipes) {
        if (recipe == AccuracyRecipe::kAccumulation) continue;
        if (device == nullptr) {
          AccuracyEntry& e = table.at("shapes", p, input, recipe, AccuracyPath::kReferenceCpu);
          if (!fits_cpu) {
            skip(e, fmt::format("no GPU, and M*N*K = {} is above the CPU limit {} (--cpu-max-macs)",
                                p.m * p.n * p.k, options.cpu_max_macs));
          }
          for (const AccuracyPath path : gpu_paths(recipe)) {
            if (path != AccuracyPath::kReferenceGpu) skip(table.at("shapes", p, input, recipe, path), "needs a GPU");
          }
        }
      }
      if (!fits_cpu) continue;
      for (int seed = 1; seed <= options.seeds; ++seed) {
        const AccuracyOperands ops = generate_accuracy_operands(input, p.m, p.n, p.k, static_cast<uint64_t>(seed));
        const std::vector<double> reference =
            product_on(device, p, std::vector<double>(ops.a.begin(), ops.a.end()),
                       std::vector<double>(ops.b.begin(), ops.b.end()), options.threads);
        const SeedContext ctx{.section = "shapes", .problem = p, .input = input, .ops = ops, .reference = reference,
                              .device = device, .threads = options.threads};
        for (const AccuracyRecipe recipe : options.recipes) {
          if (recipe == AccuracyRecipe::kBf16) run_bf16(ctx, table);
          else if (recipe != AccuracyRecipe::kAccumulation) run_fp8(ctx, recipe, table);
        }
        spdlog::debug("accuracy: {}x{}x{} {} seed {} done", p.m, p.n, p.k, to_string(input), seed);
      }
    }
  }
  if (study) {
    for (const int64_t k : options.accumulation_k) {
      const Problem p{.label = "accumulation study", .m = options.accumulation_mn, .n = options.accumulation_mn, .k = k};
      for (const AccuracyInput input : options.inputs) {
        if (device == nullptr) {
          for (const AccuracyPath path : gpu_paths(AccuracyRecipe::kAccumulation)) {
            skip(table.at("accumulation", p, input, AccuracyRecipe::kAccumulation, path), "needs a GPU");
          }
        }
        for (int seed = 1; seed <= options.seeds; ++seed) {
          const AccuracyOperands ops = generate_accuracy_operands(input, p.m, p.n, p.k, static_cast<uint64_t>(seed));
          const std::vector<double> reference =
              product_on(device, p, std::vector<double>(ops.a.begin(), ops.a.end()),
                         std::vector<double>(ops.b.begin(), ops.b.end()), options.threads);
          const SeedContext ctx{.section = "accumulation", .problem = p, .input = input, .ops = ops,
                                .reference = reference, .device = device, .threads = options.threads};
          run_accumulation(ctx, table);
        }
      }
    }
  }
  results.entries = table.take();
  for (AccuracyEntry& e : results.entries) {
    e.summary = summarize(e.per_seed);
    e.summary_vs_dequantized = summarize(e.per_seed_vs_dequantized);
  }
  if (device == nullptr) {
    results.skipped.push_back("no GPU (" + no_gpu_reason +
                              "): the gemmtune and cuBLASLt paths were skipped; recipes ran on the host reference path");
  }
  if (too_large > 0) {
    results.skipped.push_back(fmt::format("{} problem(s) with M*N*K above the CPU limit {} (--cpu-max-macs)",
                                          too_large, options.cpu_max_macs));
  }
  if (grouped > 0) {
    results.skipped.push_back(fmt::format("{} grouped problem(s): only dense problems are studied", grouped));
  }
  return results;
}

std::string skipped_summary(const AccuracyResults& results) {
  std::string line;
  for (const std::string& s : results.skipped) line += (line.empty() ? "skipped: " : "; ") + s;
  return line;
}

}  // namespace gemmtune
