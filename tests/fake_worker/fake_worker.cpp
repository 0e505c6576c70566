// A stand-in for `gemmtune __worker` in host tests: speaks the worker protocol
// (sweep/worker_protocol.hpp) without a GPU and misbehaves on request.
//
//   fake_worker [--crash-on CFG] [--hang-on CFG] [--garbage-on CFG] [--fault-on CFG]
//               [--median CFG=US] [--runoff-median CFG=US] [--gpu-name NAME] [--no-gpu]
//               [--log FILE] [--gpu-name-on DEV=NAME] [--crash-on-gpu DEV] [--delay-ms MS]
//               [--pid-dir DIR] [--measured-roofs] [--clock CFG=MHZ] [--sample-clock CFG=MHZ]
//               [--set-up-ms MS] [--runoff-ms MS]
//
// --crash-on aborts (SIGABRT) without answering, --hang-on never answers, --garbage-on answers
// a line that is not JSON, --fault-on answers a `faulted` record with restart and exits. Passed
// records take --median's time, else a time derived from the config text; baselines take 50
// (heuristic), 40 (best) and 30 us (per-tensor). In a side-by-side run-off a config takes
// --runoff-median's time when given (else its --median one) and the fastest names the record. --log appends "start" when the process starts
// and the config (or kind) of every measure request, one per line. --clock gives a config's
// passed records a clock (`clock.sm_mhz`), as a screening at that SM clock would have;
// --sample-clock adds the per-sample clock of a screening whose samples ran at MHZ
// (`clock.sample_median_mhz`, and `sample_median_cycles` = its time x MHZ).
// sweep --gpus: every record carries `fake_cuda_visible_devices` (the worker's
// CUDA_VISIBLE_DEVICES) and the hello's pci_bus_id is "fake-<it>", so a test sees which GPU
// measured what; --gpu-name-on names the GPU DEV NAME, --crash-on-gpu aborts on every measure
// request on GPU DEV, --delay-ms sleeps before each answer, --pid-dir writes DIR/gpu<DEV>.pid.
// Roofs: the hello reports none (as a worker that measures none: the parent falls back to the
// labelled constants) unless --measured-roofs, then tests/host/measured_roofs.hpp's set as
// measured on its GPU.
// --set-up-ms sleeps before the first request of each problem and reports it as the problem's
// set-up (the response's phases_s.set_up), --runoff-ms sleeps in each side_by_side request and
// reports it as its run-off (phases_s.runoff), as a real worker times them.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../host/measured_roofs.hpp"
#include "core/problem_json.hpp"
#include "core/results_schema.hpp"
#include "sweep/worker_protocol.hpp"

namespace {

using gemmtune::report::Json;
using gemmtune::report::RunKind;
namespace sweep = gemmtune::sweep;

struct Behaviour {
  std::string crash_on, hang_on, garbage_on, fault_on, log, crash_on_gpu, pid_dir;
  std::map<std::string, std::string> gpu_name_on;
  int delay_ms = 0;
  int set_up_ms = 0;
  int runoff_ms = 0;
  std::map<std::string, double> median_us;
  std::map<std::string, double> runoff_median_us;
  std::map<std::string, double> sm_mhz;
  std::map<std::string, double> sample_mhz;  // --sample-clock
  std::string gpu_name = "Fake GPU";
  bool no_gpu = false;
  bool measured_roofs = false;
};

Behaviour parse_arguments(int argc, char** argv) {
  Behaviour b;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-gpu") {
      b.no_gpu = true;
      continue;
    }
    if (flag == "--measured-roofs") {
      b.measured_roofs = true;
      continue;
    }
    if (i + 1 >= argc) break;
    const std::string value = argv[++i];
    if (flag == "--crash-on") b.crash_on = value;
    if (flag == "--hang-on") b.hang_on = value;
    if (flag == "--garbage-on") b.garbage_on = value;
    if (flag == "--fault-on") b.fault_on = value;
    if (flag == "--log") b.log = value;
    if (flag == "--gpu-name") b.gpu_name = value;
    if (flag == "--crash-on-gpu") b.crash_on_gpu = value;
    if (flag == "--pid-dir") b.pid_dir = value;
    if (flag == "--delay-ms") b.delay_ms = std::stoi(value);
    if (flag == "--set-up-ms") b.set_up_ms = std::stoi(value);
    if (flag == "--runoff-ms") b.runoff_ms = std::stoi(value);
    if (flag == "--gpu-name-on") {
      const size_t eq = value.find('=');
      b.gpu_name_on[value.substr(0, eq)] = value.substr(eq + 1);
    }
    if (flag == "--median" || flag == "--runoff-median" || flag == "--clock" ||
        flag == "--sample-clock") {
      const size_t eq = value.find('=');
      auto& values = flag == "--median"         ? b.median_us
                     : flag == "--clock"        ? b.sm_mhz
                     : flag == "--sample-clock" ? b.sample_mhz
                                                : b.runoff_median_us;
      values[value.substr(0, eq)] = std::stod(value.substr(eq + 1));
    }
  }
  return b;
}

/// This worker's CUDA_VISIBLE_DEVICES ("" when unset).
std::string visible_devices() {
  const char* value = std::getenv("CUDA_VISIBLE_DEVICES");
  return value != nullptr ? value : "";
}

void log_line(const Behaviour& b, const std::string& text) {
  if (b.log.empty()) return;
  std::ofstream(b.log, std::ios::app) << text << "\n";
}

double config_median(const Behaviour& b, const std::string& config);

double median_for(const Behaviour& b, const sweep::MeasureRequest& r) {
  switch (r.kind) {
    case RunKind::kCublasltHeuristic: return 50.0;
    case RunKind::kCublasltBest: return 40.0;
    case RunKind::kCublasltFp8Tensor: return 30.0;
    case RunKind::kCublasltPerGroup: return 80.0;
    case RunKind::kCublasltPerGroupGraph: return 70.0;
    case RunKind::kStreamFloor: return 20.0;
    case RunKind::kGemmtune:
    case RunKind::kSideBySide: break;
  }
  return config_median(b, r.config);
}

double config_median(const Behaviour& b, const std::string& config) {
  if (const auto it = b.median_us.find(config); it != b.median_us.end()) return it->second;
  uint64_t h = 1469598103934665603ull;
  for (const char c : config) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return 60.0 + static_cast<double>(h % 400) / 10.0;
}

double runoff_median(const Behaviour& b, const std::string& config) {
  const auto it = b.runoff_median_us.find(config);
  return it != b.runoff_median_us.end() ? it->second : config_median(b, config);
}

Json record_for(const Behaviour& b, const sweep::MeasureRequest& r,
                const std::string& disposition) {
  Json j;
  j["schema"] = gemmtune::kRunSchema;
  j["problem"] = gemmtune::problem_to_json<Json>(r.problem);
  j["kind"] = gemmtune::report::to_string(r.kind);
  if (r.kind == RunKind::kGemmtune || r.kind == RunKind::kSideBySide) {
    j["config"] = r.config;
  } else if (r.kind == RunKind::kStreamFloor) {
    j["stream_floor"] = {{"bytes", 4096}, {"fastest", "bulk_evict_first"}};
  } else {
    j["algo"] = {{"algo_id", 66}, {"tile_id", 20}};
  }
  double us = median_for(b, r);
  if (r.kind == RunKind::kSideBySide) {
    // NOTE: side by side the baselines run 10% faster than measured alone, so a test can tell
    // which numbers the table's speedups came from.
    j["algo"] = r.algo;
    if (!r.runoff.empty()) {
      Json runoff = Json::array();
      std::string winner = r.config;
      us = runoff_median(b, r.config);
      std::vector<std::string> candidates{r.config};
      candidates.insert(candidates.end(), r.runoff.begin(), r.runoff.end());
      for (const std::string& c : candidates) {
        const double t = runoff_median(b, c);
        Json entry = {{"config", c}, {"median_us", t}, {"spread_rel", 0.02}};
        // NOTE: the rounds the request asked for, as a burst run-off records them.
        if (r.timing.runoff_regime == "burst") entry["burst_rounds"] = r.timing.runoff_rounds;
        runoff.push_back(std::move(entry));
        if (t < us) { us = t; winner = c; }
      }
      j["config"] = winner;
      j["runoff"] = runoff;
    }
    if (r.problem.layout != gemmtune::GroupLayout::kNone) {
      j.erase("algo");
      j["side_by_side"] = {{"cublaslt_per_group", {{"median_us", 72.0}, {"spread_rel", 0.02}}},
                           {"cublaslt_per_group_graph", {{"median_us", 63.0}, {"spread_rel", 0.02}}}};
    } else {
      j["side_by_side"] = {{"cublaslt_heuristic", {{"median_us", 45.0}, {"spread_rel", 0.02}}},
                           {"cublaslt_best", {{"median_us", 36.0}, {"spread_rel", 0.02}}},
                           {"cublaslt_fp8_tensor", {{"median_us", 27.0}, {"spread_rel", 0.02}}}};
    }
  }
  j["disposition"] = disposition;
  j["reason"] = disposition == "passed" ? "" : "fake fault";
  if (!visible_devices().empty()) j["fake_cuda_visible_devices"] = visible_devices();
  if (disposition == "passed") {
    j["timing"] = {{"mode", r.timing.mode}, {"median_us", us}, {"p10_us", us * 0.99},
                   {"p90_us", us * 1.01}, {"spread_rel", 0.02}, {"samples", r.timing.iters}};
    if (const auto it = b.sm_mhz.find(r.config); it != b.sm_mhz.end()) {
      j["clock"] = {{"sm_mhz", it->second}, {"power_w", 600.0}};
    }
    if (const auto it = b.sample_mhz.find(r.config); it != b.sample_mhz.end()) {
      j["clock"]["sample_median_mhz"] = it->second;
      j["clock"]["sample_median_cycles"] = us * it->second;
    }
  }
  return j;
}

Json environment_for(const Behaviour& b) {
  const auto named = b.gpu_name_on.find(visible_devices());
  const std::string name = named != b.gpu_name_on.end() ? named->second : b.gpu_name;
  Json environment = {
      {"tool_version", "test"},
      {"git_rev", "test"},
      // "ordinal" 0 as a real worker reports it: it sees only its own GPU.
      {"gpu", {{"ordinal", 0}, {"name", name}, {"pci_bus_id", "fake-" + visible_devices()}, {"sm_count", 132},
               {"smem_per_block_bytes", 232448},
               {"global_mem_bytes", 141000000000}}},
      {"versions", {{"driver", "580.0"}, {"driver_cuda", "13.0"}, {"cuda_runtime", "13.0"},
                    {"nvrtc", "13.0"}, {"cublaslt", "13.1.0"}}}};
  if (b.measured_roofs) {
    environment["roofs"] = gemmtune::report::to_json(gemmtune::test::measured_roofs(name));
  }
  return environment;
}

void answer(const std::string& line) {
  std::cout << line << "\n" << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  const Behaviour b = parse_arguments(argc, argv);
  log_line(b, "start");
  if (!b.pid_dir.empty()) {
    std::ofstream(b.pid_dir + "/gpu" + visible_devices() + ".pid") << ::getpid() << "\n";
  }
  std::optional<gemmtune::Problem> set_up;  // the problem whose inputs this worker "made"
  for (std::string line; std::getline(std::cin, line);) {
    const sweep::WorkerRequest request = sweep::decode_request(line);
    if (request.hello) {
      if (b.no_gpu) {
        answer(sweep::encode_error_response(request.id, "no CUDA GPU found: fake", 3));
        return 3;
      }
      answer(sweep::encode_environment_response(request.id, environment_for(b)));
      continue;
    }
    const sweep::MeasureRequest& r = *request.measure;
    const std::string what =
        r.config.empty() ? std::string(gemmtune::report::to_string(r.kind)) : r.config;
    log_line(b, what);
    if (b.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(b.delay_ms));
    sweep::RequestPhases phases;
    if (!set_up || !(*set_up == r.problem)) {
      set_up = r.problem;
      std::this_thread::sleep_for(std::chrono::milliseconds(b.set_up_ms));
      phases.set_up_s = b.set_up_ms / 1000.0;
    }
    if (r.kind == RunKind::kSideBySide) {
      std::this_thread::sleep_for(std::chrono::milliseconds(b.runoff_ms));
      phases.runoff_s = b.runoff_ms / 1000.0;
    }
    if (!b.crash_on_gpu.empty() && b.crash_on_gpu == visible_devices()) std::abort();
    if (!r.config.empty() && r.config == b.crash_on) std::abort();
    if (!r.config.empty() && r.config == b.hang_on) {
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (!r.config.empty() && r.config == b.garbage_on) {
      answer("this is not a JSON line");
      continue;
    }
    if (!r.config.empty() && r.config == b.fault_on) {
      answer(sweep::encode_record_response(r.id, record_for(b, r, "faulted"), true));
      return 4;
    }
    answer(sweep::encode_record_response(r.id, record_for(b, r, "passed"), false, phases));
  }
  return 0;
}
