// env.json of a sweep: building it, checking a folder for --resume, device limits.
#include "sweep/run_env.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/input_distribution.hpp"
#include "report/run_folder.hpp"
#include "report/serving_fields.hpp"
#include "sweep/runs_log.hpp"

namespace gemmtune::sweep {

using report::Json;

namespace {

/// gpu.<key> of the worker's environment as an integer, `fallback` when absent.
int64_t gpu_int(const Json& environment, const char* key, int64_t fallback) {
  const Json gpu = environment.value("gpu", Json::object());
  const Json v = gpu.is_object() ? gpu.value(key, Json()) : Json();
  return v.is_number_integer() && v.get<int64_t>() > 0 ? v.get<int64_t>() : fallback;
}

}  // namespace

report::Roofs worker_roofs(const Json& worker_environment) {
  const Json roofs = worker_environment.is_object() ? worker_environment.value("roofs", Json())
                                                    : Json();
  if (roofs.is_null()) return report::Roofs{};
  try {
    return report::parse_roofs(roofs, report::JsonAt{"worker environment"} / "roofs");
  } catch (const Error& e) {
    spdlog::warn("{}; the roofline uses the constant roofs instead", e.what());
    return report::Roofs{};
  }
}

Json shapes_json(const ShapeSet& shapes) {
  Json problems = Json::array();
  for (const Problem& p : shapes.problems) {
    problems.push_back({{"label", p.label}, {"m", p.m}, {"n", p.n}, {"k", p.k}});
  }
  return {{"name", shapes.name}, {"path", shapes.path}, {"problems", problems}};
}

Json make_env_json(const Json& worker_environment, const SweepDescription& sweep) {
  const Json& w = worker_environment;
  const report::JsonAt at{"worker environment"};
  const std::string gpu_name = report::require_string(report::require_member(w, "gpu", at),
                                                      "name", at / "gpu");
  Json versions = report::require_member(w, "versions", at);
  for (const char* key : {"driver", "cuda_runtime", "nvrtc", "cublaslt"}) {
    (void)report::require_version(versions, key, at / "versions");
  }
  const report::Roofs roofs = worker_roofs(w);
  Json env;
  env["schema"] = "gemmtune.env/1";
  env["tool_version"] = w.value("tool_version", Json(""));
  env["git_rev"] = w.value("git_rev", Json(""));
  env["command"] = sweep.command;
  env["started_at"] = utc_timestamp_now();
  env["gpu"] = w.at("gpu");
  env["gpu"]["name"] = gpu_name;
  env["versions"] = versions;
  env["timing_mode"] = sweep.timing.mode;
  env["timing"] = {{"warmup", sweep.timing.warmup}, {"iters", sweep.timing.iters},
                   {"runoff_regime", sweep.timing.runoff_regime}, {"seed", sweep.seed},
                   {"inputs", to_string(kDefaultInputDistribution)}};
  env["roofs"] = report::to_json(roofs);
  env["shapes"] = sweep.shapes;
  env["sweep"] = sweep.settings;
  if (!sweep.shard.is_null()) env["shard"] = sweep.shard;
  return env;
}

std::vector<std::string> resume_conflicts(const Json& existing, const Json& current) {
  std::vector<std::string> conflicts;
  const auto differ = [&](const std::string& what, const std::string& was,
                          const std::string& now) {
    if (was != now) conflicts.push_back(what + ": \"" + was + "\" -> \"" + now + "\"");
  };
  using report::env_member;
  using report::env_text;
  differ("gpu", env_text(existing, "gpu", "name"), env_text(current, "gpu", "name"));
  differ("shape set", env_text(existing, "shapes", "name"), env_text(current, "shapes", "name"));
  if (env_member(existing, "shapes", "problems") != env_member(current, "shapes", "problems")) {
    conflicts.push_back("shape set: the problems differ");
  }
  const auto mode = [](const Json& j) {
    const Json v = j.is_object() ? j.value("timing_mode", Json()) : Json();
    return v.is_string() ? v.get<std::string>() : std::string();
  };
  differ("timing mode", mode(existing), mode(current));
  differ("run-off regime", report::env_runoff_regime(existing),
         report::env_runoff_regime(current));
  const auto shard = [](const Json& j) {
    if (!j.is_object() || !j.contains("shard") || !j.at("shard").is_object()) {
      return std::string("none");
    }
    return env_text(j, "shard", "index") + "/" + env_text(j, "shard", "count") + " " +
           env_text(j, "shard", "plan_digest");
  };
  differ("shard", shard(existing), shard(current));
  for (std::string& conflict : report::serving_conflicts(existing, current)) {
    conflicts.push_back(std::move(conflict));
  }
  return conflicts;
}

DeviceLimits device_limits(const Json& worker_environment) {
  DeviceLimits limits;
  limits.sm_count = static_cast<int>(gpu_int(worker_environment, "sm_count", kH200SmCount));
  // NOTE: workers built before 97f06f2 name it smem_per_block_bytes (worker/worker_stdio.cpp).
  limits.smem_per_block_bytes = gpu_int(
      worker_environment, "smem_per_block_optin_bytes",
      gpu_int(worker_environment, "smem_per_block_bytes", kHopperSmemPerBlockBytes));
  limits.device_memory_bytes =
      gpu_int(worker_environment, "global_mem_bytes", kH200DeviceMemoryBytes);
  return limits;
}

}  // namespace gemmtune::sweep
