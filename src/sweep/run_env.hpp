#pragma once
/// env.json of a sweep's run folder (schema gemmtune.env/1, read by report/run_folder.hpp): the
/// worker's description of the GPU and the libraries, plus what the sweep itself was asked to do.
/// Also: whether a folder may be resumed by a new sweep, and the device limits for legality.
///
/// The worker's "environment" object (worker protocol, hello) carries:
///   tool_version, git_rev,
///   gpu: runtime/environment's to_json(DeviceInfo), as `devices --json` writes it: {ordinal,
///         name, pci_bus_id, compute_capability, sm_count, max_sm_clock_mhz, max_mem_clock_mhz,
///         mem_bus_width_bits, l2_bytes, smem_per_block_optin_bytes, global_mem_bytes, clocks},
///   versions: {driver, driver_cuda, cuda_runtime, nvrtc, cublaslt},
///   roofs: report/roofs.hpp's to_json(Roofs), measured on the worker's GPU (or cached); absent
///          from workers that measure none (the fake worker of host tests, older binaries)
#include <string>
#include <vector>

#include "core/legality.hpp"
#include "core/shape_set.hpp"
#include "report/json_fields.hpp"
#include "report/roofs.hpp"
#include "sweep/worker_protocol.hpp"

namespace gemmtune::sweep {

/// What a sweep records about itself in env.json.
struct SweepDescription {
  std::string command;     ///< the exact command line
  TimingRequest timing;    ///< timing_mode, warm-up, samples and run-off regime
  uint64_t seed = 1;
  report::Json shapes;     ///< shapes_json() of the problems measured
  report::Json settings;   ///< "sweep" member: space, budget, watchdog, ... (free form)
  report::Json shard{};    ///< "shard" member (sweep/shard.hpp shard_json()); null: not a shard
};

/// {"name", "path", "problems": [{"label", "m", "n", "k"}, ...]} of a shape set.
[[nodiscard]] report::Json shapes_json(const ShapeSet& shapes);

/// The roofs the worker reported (measured on its GPU). The labelled constants (report::Roofs{})
/// when it reported none, or a malformed set (with a warning).
[[nodiscard]] report::Roofs worker_roofs(const report::Json& worker_environment);

/// The env.json object: schema, tool, command, started_at, gpu, versions, timing_mode, timing,
/// roofs (worker_roofs()), shapes, sweep. Throws Error(kExitCudaError) naming the member when
/// the worker's environment lacks gpu.name or a version.
[[nodiscard]] report::Json make_env_json(const report::Json& worker_environment,
                                         const SweepDescription& sweep);

/// Why a folder whose env.json is `existing` cannot be resumed by a sweep whose env.json would be
/// `current`, one line per difference: GPU name, shape set (name and problems), timing mode,
/// run-off regime (timing.runoff_regime, "sustained" when absent), shard (index, count and plan
/// digest), SM budget and batch invariance (report/serving_fields.hpp serving_conflicts()).
/// Empty when it can.
[[nodiscard]] std::vector<std::string> resume_conflicts(const report::Json& existing,
                                                        const report::Json& current);

/// The legality limits of the worker's GPU (SM count, opt-in shared memory, device memory).
[[nodiscard]] DeviceLimits device_limits(const report::Json& worker_environment);

}  // namespace gemmtune::sweep
