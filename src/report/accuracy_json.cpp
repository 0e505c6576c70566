// accuracy.json (gemmtune.accuracy/2; /1 is read too): writing, reading back, and the writer of the file set.
#include <fmt/format.h>

#include "core/accuracy/accuracy_accumulation.hpp"
#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/validation_metrics.hpp"
#include "report/accuracy_report.hpp"
#include "report/render.hpp"

namespace gemmtune::report {
namespace {

nlohmann::json spread_map_json(const std::map<std::string, MetricSpread>& summary) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, spread] : summary) j[name] = spread;
  return j;
}

nlohmann::json entry_json(const AccuracyEntry& e) {
  nlohmann::json j = {{"section", e.section},
                      {"problem", {{"label", e.problem.label}, {"m", e.problem.m}, {"n", e.problem.n}, {"k", e.problem.k}}},
                      {"input", to_string(e.input)},
                      {"recipe", to_string(e.recipe)},
                      {"path", to_string(e.path)},
                      {"emulated", is_emulated(e.path)},
                      {"measured", e.measured},
                      {"note", e.note},
                      {"seeds", e.per_seed.size()},
                      {"summary", spread_map_json(e.summary)},
                      {"per_seed", e.per_seed}};
  if (!e.per_seed_vs_dequantized.empty()) {
    j["summary_vs_dequantized"] = spread_map_json(e.summary_vs_dequantized);
    j["per_seed_vs_dequantized"] = e.per_seed_vs_dequantized;
  }
  if (e.vs_reference) {
    const AccuracyValidation& v = *e.vs_reference;
    j["vs_reference"] = {{"diff", v.metrics.diff},
                         {"max_rel_err", v.metrics.max_rel_err},
                         {"max_abs_err", v.metrics.max_abs_err},
                         {"nonfinite", v.metrics.nonfinite_count},
                         {"worst_row", v.metrics.worst_row},
                         {"worst_col", v.metrics.worst_col},
                         {"rel_err_floor", to_string(v.floor)},
                         {"floor_min", v.floor_min},
                         {"floor_max", v.floor_max},
                         {"max_rel_err_output_floor", v.max_rel_err_output_floor},
                         {"thresholds", {{"max_diff", kDequantizedReferenceThresholds.max_diff},
                                         {"max_rel_err", kDequantizedReferenceThresholds.max_rel_err}}},
                         {"verdict", e.vs_reference_verdict}};
  }
  return j;
}

template <typename Enum, typename Parse>
Enum parse_name(const nlohmann::json& j, const char* key, Parse parse) {
  const std::string name = j.at(key).get<std::string>();
  const auto value = parse(name);
  if (!value) throw std::invalid_argument(fmt::format("{}: unknown name '{}'", key, name));
  return *value;
}

AccuracyEntry entry_from_json(const nlohmann::json& j) {
  AccuracyEntry e;
  e.section = j.at("section").get<std::string>();
  const nlohmann::json& p = j.at("problem");
  e.problem = Problem{.label = p.at("label").get<std::string>(), .m = p.at("m").get<int64_t>(),
                      .n = p.at("n").get<int64_t>(), .k = p.at("k").get<int64_t>()};
  e.input = parse_name<AccuracyInput>(j, "input", parse_accuracy_input);
  e.recipe = parse_name<AccuracyRecipe>(j, "recipe", parse_accuracy_recipe);
  e.path = parse_name<AccuracyPath>(j, "path", parse_accuracy_path);
  e.measured = j.at("measured").get<bool>();
  e.note = j.at("note").get<std::string>();
  e.per_seed = j.at("per_seed").get<std::vector<AccuracyMetrics>>();
  e.summary = j.at("summary").get<std::map<std::string, MetricSpread>>();
  if (j.contains("per_seed_vs_dequantized")) {
    e.per_seed_vs_dequantized = j.at("per_seed_vs_dequantized").get<std::vector<AccuracyMetrics>>();
    e.summary_vs_dequantized = j.at("summary_vs_dequantized").get<std::map<std::string, MetricSpread>>();
  }
  if (j.contains("vs_reference")) {
    const nlohmann::json& v = j.at("vs_reference");
    AccuracyValidation m;
    m.metrics.diff = v.at("diff").get<double>();
    m.metrics.max_rel_err = v.at("max_rel_err").get<double>();
    m.metrics.max_abs_err = v.at("max_abs_err").get<double>();
    m.metrics.nonfinite_count = v.at("nonfinite").get<int64_t>();
    if (v.contains("rel_err_floor")) {  // gemmtune.accuracy/2
      m.floor = parse_name<RelErrFloor>(v, "rel_err_floor", parse_rel_err_floor);
      m.metrics.worst_row = v.at("worst_row").get<int64_t>();
      m.metrics.worst_col = v.at("worst_col").get<int64_t>();
      m.floor_min = v.at("floor_min").get<double>();
      m.floor_max = v.at("floor_max").get<double>();
      m.max_rel_err_output_floor = v.at("max_rel_err_output_floor").get<double>();
    } else {  // gemmtune.accuracy/1 judged with the dense bar's whole-output floor and kept no more
      m.floor = RelErrFloor::kOutput;
      m.max_rel_err_output_floor = m.metrics.max_rel_err;
    }
    e.vs_reference = m;
    e.vs_reference_verdict = v.at("verdict").get<std::string>();
  }
  return e;
}

}  // namespace

nlohmann::json accuracy_method_json() {
  const AccumulationModel model;
  return {
      {"reference", "float64 product of the unquantized FP32 inputs (host: blocked float64 loops; GPU: cuBLASLt "
                    "FP64 GEMM), computed per seed"},
      {"output", "Every path's D is BF16, as gemmtune's kernel and cuBLASLt write it; metrics use its values"},
      {"metrics",
       {{"mae", "mean |x - y|, in output units (inputs are scaled so the output RMS is about 1)"},
        {"mae_rel", "sum |x - y| / sum |y|"},
        {"rel_rms", "sqrt(sum (x - y)^2 / sum y^2)"},
        {"max_abs", "max |x - y|"},
        {"calc_diff", "DeepGEMM's 1 - 2 sum(x y) / sum(x^2 + y^2)"},
        {"frac_off_1pct", fmt::format("fraction of elements with |x - y| > {:g} * max(|y|, {:g} * rms(y)): relative "
                                      "to the element, floored at a tenth of the output RMS so that outputs "
                                      "that nearly cancel are not counted as off",
                                      kOffThreshold, kRelErrFloorOfRms)}}},
      {"spread", "each metric's mean, sample standard deviation, min and max over the seeds 1..N"},
      {"vs_dequantized", "kernels and emulated accumulations also against the float64 product of the same "
                         "quantized operands: the error the path adds beyond quantization"},
      {"vs_reference", accuracy_validation_rule()},
      {"emulated", "reference_cpu / reference_gpu: quantize and dequantize on the host, multiply in float64 (exact "
                   "accumulation), round D to BF16; used for recipes no kernel implements (1x64, 1x256) and on "
                   "machines without a GPU"},
      {"accumulation_model",
       {{"description", fmt::format("chunks of {} E4M3 products (one wgmma instruction's K) summed exactly, added "
                                    "to an accumulator truncated toward zero to {} explicit mantissa bits (FP22) "
                                    "after each chunk; promote128 adds the FP22 partial into FP32 every {} of K "
                                    "with the scales (the 1D2D promotion); full_k keeps FP22 over the whole K",
                                    model.chunk_k, model.mantissa_bits, model.promote_every_k)},
        {"sources", {"DeepSeek-V3 technical report (arXiv 2412.19437) sec. 3.3.2: FP8 GEMM accumulation on H800 "
                     "retains around 14 bits; promotion to FP32 every 128 elements",
                     "SageAttention2 (arXiv 2411.10958) sec. 4: the FP8 mma accumulator behaves as FP22 (1-8-13)"}},
        {"caveat", "a model, not bit-exact hardware; the cublaslt_fast_accum entries measure the hardware"}}}};
}

nlohmann::json to_json(const AccuracyDocument& d) {
  nlohmann::json j = d.header;
  j["schema"] = kAccuracySchema;
  j["gpu"] = d.results.gpu;
  j["device"] = d.results.device;
  j["skipped"] = d.results.skipped;
  j["validation_failed"] = d.results.validation_failed();
  nlohmann::json entries = nlohmann::json::array();
  for (const AccuracyEntry& e : d.results.entries) entries.push_back(entry_json(e));
  j["entries"] = std::move(entries);
  return j;
}

AccuracyDocument read_accuracy_json(const std::string& file) {
  const JsonInput input = JsonInput::read(file);
  const nlohmann::json& root = input.root();
  input.expect_object(root, "/");
  const std::string schema = input.to_string(input.member(root, "/", "schema"), "/schema");
  if (schema != kAccuracySchema && schema != kAccuracySchemaV1) {
    input.fail("/schema", fmt::format("'{}' is not {} (or {})", schema, kAccuracySchema, kAccuracySchemaV1));
  }
  AccuracyDocument d;
  d.header = root;
  d.header.erase("entries");
  const nlohmann::json& entries = input.member(root, "/", "entries");
  if (!entries.is_array()) input.fail("/entries", "expected an array");
  try {
    d.results.gpu = root.at("gpu").get<bool>();
    d.results.device = root.at("device").get<std::string>();
    d.results.skipped = root.at("skipped").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    input.fail("/", e.what());
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    try {
      d.results.entries.push_back(entry_from_json(entries[i]));
    } catch (const std::exception& e) {
      input.fail(json_child("/entries", i), e.what());
    }
  }
  return d;
}

std::vector<std::pair<std::string, std::string>> render_accuracy_files(const AccuracyDocument& document) {
  return {{kAccuracyJson, to_json(document).dump(2) + "\n"},
          {kAccuracyMd, render_accuracy_md(document)},
          {kAccuracySvg, render_accuracy_svg(document)}};
}

std::vector<std::filesystem::path> write_accuracy_files(const AccuracyDocument& document,
                                                        const std::filesystem::path& dir) {
  return write_text_files(dir, render_accuracy_files(document));
}

}  // namespace gemmtune::report
