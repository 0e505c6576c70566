// Config-space loading and enumeration. Only structure and types are checked here; whether a
// value suits the kernel is the legality model's call, made per problem.
#include "core/config_space.hpp"

#include <fmt/format.h>

#include <array>
#include <climits>
#include <functional>
#include <map>

#include "core/json_input.hpp"

namespace gemmtune {
namespace {

using nlohmann::json;

// Reads axis `key` as a list of values parsed by `parse`, rejecting repeated values.
// NOTE: in O(n log n): an axis of a hostile file may hold millions of values, and no axis can be
// longer than the whole space's limit.
template <typename T>
std::vector<T> read_axis(const JsonInput& input, const char* key,
                         const std::function<T(const JsonItem&)>& parse) {
  const std::string path = json_child("", key);
  const json& axis = input.member(input.root(), "", key);
  if (axis.is_array() && axis.size() > static_cast<size_t>(kMaxConfigSpaceSize)) {
    input.fail(path, fmt::format("{} values: the whole space has at most {} configs",
                                 axis.size(), kMaxConfigSpaceSize));
  }
  std::vector<T> values;
  std::map<T, std::string> path_of;
  for (const JsonItem& item : input.to_list(axis, path)) {
    const T value = parse(item);
    const auto [first, added] = path_of.try_emplace(value, item.path);
    if (!added) {
      input.fail(item.path, fmt::format("repeats the value at {}; each value once",
                                        first->second));
    }
    values.push_back(value);
  }
  return values;
}

int read_positive_int(const JsonInput& input, const JsonItem& item) {
  const int64_t value = input.to_int64(*item.value, item.path);
  if (value < 1 || value > INT_MAX) {
    input.fail(item.path, fmt::format("expected a positive integer <= {}, got {}", INT_MAX,
                                      value));
  }
  return static_cast<int>(value);
}

std::vector<int> read_int_axis(const JsonInput& input, const char* key) {
  return read_axis<int>(input, key, [&](const JsonItem& item) {
    return read_positive_int(input, item);
  });
}

}  // namespace

std::array<size_t, 8> ConfigSpace::axis_lengths() const {
  return {block_m.size(), block_n.size(), stages.size(), multicast.size(),
          num_sms.size(), raster.size(), group.size(), split_k.size()};
}

int64_t ConfigSpace::size() const {
  int64_t size = 1;
  for (const size_t length : axis_lengths()) size *= static_cast<int64_t>(length);
  return size;
}

ConfigSpace load_config_space(const std::string& path, int device_sm_count) {
  const JsonInput input = JsonInput::read(path);
  const json& root = input.root();
  input.expect_object(root, "");
  input.warn_unknown_keys(root, "", {"name", "description", "block_m", "block_n", "stages",
                                     "multicast", "num_sms", "raster", "group", "split_k"});
  ConfigSpace space;
  space.name = input.to_string(input.member(root, "", "name"), "/name");
  if (const json* value = JsonInput::optional_member(root, "description")) {
    space.description = input.to_string(*value, "/description");
  }
  space.path = path;

  space.block_m = read_int_axis(input, "block_m");
  space.block_n = read_int_axis(input, "block_n");
  space.stages = read_int_axis(input, "stages");
  space.multicast = read_axis<Multicast>(input, "multicast", [&](const JsonItem& item) {
    const std::string text = input.to_string(*item.value, item.path);
    if (text == "none") return Multicast::kNone;
    if (text == "A") return Multicast::kA;
    if (text == "B") return Multicast::kB;
    input.fail(item.path, fmt::format("unknown multicast \"{}\": use \"none\", \"A\" or \"B\"",
                                      text));
  });
  space.num_sms = read_axis<int>(input, "num_sms", [&](const JsonItem& item) {
    if (item.value->is_string()) {
      const std::string text = item.value->get<std::string>();
      if (text != "all") {
        input.fail(item.path, fmt::format("unknown num_sms \"{}\": use an integer or \"all\" "
                                          "(the device's {} SMs)", text, device_sm_count));
      }
      return device_sm_count;
    }
    return read_positive_int(input, item);
  });
  space.raster = read_axis<Raster>(input, "raster", [&](const JsonItem& item) {
    const std::string text = input.to_string(*item.value, item.path);
    if (text == "M") return Raster::kM;
    if (text == "N") return Raster::kN;
    if (text == "G") return Raster::kNGroups;
    input.fail(item.path, fmt::format("unknown raster \"{}\": use \"M\", \"N\" or \"G\"", text));
  });
  space.group = read_int_axis(input, "group");
  space.split_k = read_int_axis(input, "split_k");

  // NOTE: checked axis by axis: eight duplicate-free axes of a large file can overflow int64.
  int64_t size = 1;
  for (const size_t length : space.axis_lengths()) {
    size *= static_cast<int64_t>(length);
    if (size > kMaxConfigSpaceSize) {
      input.fail("", fmt::format("the space has more than {} configs; split it or drop values",
                                 kMaxConfigSpaceSize));
    }
  }
  return space;
}

std::vector<KernelConfig> enumerate_configs(const ConfigSpace& space) {
  std::vector<KernelConfig> configs;
  configs.reserve(static_cast<size_t>(space.size()));
  for (const int block_m : space.block_m)
    for (const int block_n : space.block_n)
      for (const int stages : space.stages)
        for (const Multicast multicast : space.multicast)
          for (const int num_sms : space.num_sms)
            for (const Raster raster : space.raster)
              for (const int group : space.group)
                for (const int split_k : space.split_k)
                  configs.push_back({.block_m = block_m, .block_n = block_n, .stages = stages,
                                     .multicast = multicast, .num_sms = num_sms,
                                     .raster = raster, .group = group, .split_k = split_k});
  return configs;
}

std::vector<KernelConfig> with_layout(std::vector<KernelConfig> configs, GroupLayout layout) {
  for (KernelConfig& c : configs) c.layout = layout;
  return configs;
}

}  // namespace gemmtune
