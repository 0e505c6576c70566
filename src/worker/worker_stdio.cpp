// The worker's protocol loop on stdin/stdout: hello, then one measurement per request.
#include "worker/worker_stdio.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/environment.hpp"
#include "runtime/nvml.hpp"
#include "worker/device_roofs.hpp"
#include "runtime/support_module.hpp"
#include "worker/worker_service.hpp"

namespace gemmtune::worker {
namespace {

using report::Json;

/// The hello answer: the GPU the worker measures on (device 0) and the library versions (the
/// hello adds the GPU's roofs).
/// NOTE: the GPU object is runtime/environment's to_json(DeviceInfo), the one writer of device
/// fields that `devices --json` uses too (env.json spelled them differently before 97f06f2;
/// report/summary_model reads both spellings).
Json environment_json(const EnvironmentInfo& e) {
  const nlohmann::json gpu = e.devices.at(0);
  return {{"tool_version", e.tool_version},
          {"git_rev", e.git_rev},
          {"gpu", parse_json<Json>(gpu.dump(), "worker gpu")},
          {"versions",
           {{"driver", e.driver_release.empty() ? "n/a" : e.driver_release},
            {"driver_cuda", cuda_version_string(e.driver_cuda_version)},
            {"cuda_runtime", cuda_version_string(e.runtime_version)},
            {"nvrtc", std::to_string(e.nvrtc_major) + "." + std::to_string(e.nvrtc_minor)},
            {"cublaslt", cublaslt_version_string(e.cublaslt_version)}}}};
}

/// The hello's environment: GPU, versions and roofs. Throws Error (e.g. kExitNoGpu).
Json hello_environment() {
  require_gpu();
  const EnvironmentInfo info = gather_environment();
  Json environment = environment_json(info);
  // NOTE: build and load the support kernels now, under the hello's long deadline, so that the
  // first measurement's watchdog covers only the measurement.
  (void)support_kernels();
  // NOTE: the roofs of this GPU (cached per device; a few seconds when not), also under the
  // hello's deadline; their buffers are freed before the first measurement.
  environment["roofs"] = report::to_json(device_roofs(info, info.devices.at(0), false).roofs);
  return environment;
}

}  // namespace

int serve_worker_stdio() {
  std::FILE* protocol = ::fdopen(::dup(STDOUT_FILENO), "w");
  GT_CHECK(protocol != nullptr, kExitIoError, "cannot duplicate stdout");
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  const auto answer = [protocol](const std::string& line) {
    std::fprintf(protocol, "%s\n", line.c_str());
    std::fflush(protocol);
  };
  WorkerService service;
  std::string line;
  for (LineStatus status; (status = read_bounded_line(std::cin, line)) != LineStatus::kEnd;) {
    sweep::WorkerRequest request;
    try {
      if (status == LineStatus::kTooLong) {
        throw Error(kExitUsage, "worker request: a line over " +
                                    std::to_string(kMaxJsonDocumentBytes) + " bytes");
      }
      request = sweep::decode_request(line);
    } catch (const Error& e) {
      answer(sweep::encode_error_response(-1, e.what(), kExitUsage));
      continue;
    }
    if (request.hello) {
      try {
        answer(sweep::encode_environment_response(request.id, hello_environment()));
      } catch (const Error& e) {
        answer(sweep::encode_error_response(request.id, e.what(), e.code()));
        return e.code();
      }
      continue;
    }
    const sweep::MeasureRequest& r = *request.measure;
    Measurement m;
    try {
      m = service.measure(r);
    } catch (const std::exception& e) {
      m = thrown_measurement(r, e.what());
    }
    const bool restart = m.disposition == Disposition::kFaulted;
    answer(sweep::encode_record_response(
        r.id, parse_json<Json>(to_run_record(m).dump(), "worker record"), restart,
        service.phases()));
    if (restart) return kExitCudaError;
  }
  return kExitOk;
}

}  // namespace gemmtune::worker
