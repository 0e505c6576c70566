#include "core/cublaslt_algo_record.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace gemmtune {

bool AlgoRecord::same_config(const AlgoRecord& o) const {
  return algo_id == o.algo_id && tile_id == o.tile_id && stages_id == o.stages_id &&
         cluster_shape_id == o.cluster_shape_id && custom_option == o.custom_option &&
         split_k == o.split_k && reduction_scheme == o.reduction_scheme &&
         cta_swizzling == o.cta_swizzling && inner_shape_id == o.inner_shape_id;
}

std::string to_string(const AlgoRecord& r) {
  return "algo" + std::to_string(r.algo_id) + "_tile" + std::to_string(r.tile_id) + "_stages" +
         std::to_string(r.stages_id) + "_cluster" + std::to_string(r.cluster_shape_id) + "_opt" +
         std::to_string(r.custom_option) + "_splitk" + std::to_string(r.split_k) + "_red" +
         std::to_string(r.reduction_scheme) + "_swz" + std::to_string(r.cta_swizzling);
}

void to_json(nlohmann::json& j, const AlgoRecord& r) {
  j = nlohmann::json{{"algo_id", r.algo_id},
                     {"tile_id", r.tile_id},
                     {"stages_id", r.stages_id},
                     {"cluster_shape_id", r.cluster_shape_id},
                     {"custom_option", r.custom_option},
                     {"split_k", r.split_k},
                     {"reduction_scheme", r.reduction_scheme},
                     {"cta_swizzling", r.cta_swizzling},
                     {"inner_shape_id", r.inner_shape_id},
                     {"workspace_bytes", r.workspace_bytes},
                     {"waves_count", r.waves_count}};
}

namespace {

/// Reads integer field `key` of `j` and checks it fits in T.
template <typename T>
T read_integer(const nlohmann::json& j, const char* key, const std::string& file, const std::string& path) {
  const std::string where = path + "." + key;
  if (!j.contains(key)) throw_input_error(file, where, "missing");
  const nlohmann::json& v = j.at(key);
  if (!v.is_number_integer()) throw_input_error(file, where, "expected an integer, got " + v.dump());
  const auto value = v.get<int64_t>();
  if (value < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
      (value > 0 && static_cast<uint64_t>(value) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
    throw_input_error(file, where, "out of range: " + v.dump());
  }
  return static_cast<T>(value);
}

}  // namespace

AlgoRecord parse_algo_record(const nlohmann::json& j, const std::string& file, const std::string& path) {
  if (!j.is_object()) throw_input_error(file, path, "expected an object, got " + j.dump());
  AlgoRecord r;
  r.algo_id = read_integer<int32_t>(j, "algo_id", file, path);
  r.tile_id = read_integer<uint32_t>(j, "tile_id", file, path);
  r.stages_id = read_integer<uint32_t>(j, "stages_id", file, path);
  r.cluster_shape_id = read_integer<uint16_t>(j, "cluster_shape_id", file, path);
  r.custom_option = read_integer<uint32_t>(j, "custom_option", file, path);
  r.split_k = read_integer<int32_t>(j, "split_k", file, path);
  r.reduction_scheme = read_integer<uint32_t>(j, "reduction_scheme", file, path);
  r.cta_swizzling = read_integer<uint32_t>(j, "cta_swizzling", file, path);
  r.inner_shape_id = read_integer<uint16_t>(j, "inner_shape_id", file, path);
  r.workspace_bytes = read_integer<uint64_t>(j, "workspace_bytes", file, path);
  if (r.split_k < 1) throw_input_error(file, path + ".split_k", "must be >= 1");
  const auto waves = j.find("waves_count");
  if (waves == j.end() || !waves->is_number()) {
    throw_input_error(file, path + ".waves_count", "missing or not a number");
  }
  r.waves_count = waves->get<float>();
  return r;
}

void from_json(const nlohmann::json& j, AlgoRecord& record) { record = parse_algo_record(j, "<json>", "$"); }

}  // namespace gemmtune
