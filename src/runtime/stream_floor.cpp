// The stream floor: checks each stream variant reads every byte, then times them interleaved.
#include "runtime/stream_floor.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/gemm_shape.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/module.hpp"
#include "core/nvtx_ranges.hpp"
#include "runtime/stream_read.hpp"

namespace gemmtune {
namespace {

/// Every byte of the buffer while the variants are checked: each 32-bit word reads 0x5a5a5a5a.
/// NOTE: memory from cudaMalloc is not compressible (that needs cuMemCreate with a compression
/// flag), so a constant pattern reads as fast as the GEMM's random operands.
constexpr int kFillByte = 0x5a;
constexpr uint64_t kFillWord = 0x5a5a5a5aull;

/// Runs `plan` once and checks what it counted: the sum of every word (ldg) or every byte (bulk).
void check_reads_everything(const StreamLaunchPlan& plan, const DeviceBuffer& buffer,
                            const DeviceBuffer& sum, cudaStream_t stream) {
  GT_CUDA_CHECK(cudaMemsetAsync(sum.get(), 0, sizeof(uint64_t), stream));
  launch_stream_read(plan, buffer.get(), sum.as<uint64_t>(), stream);
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  const uint64_t counted = sum.download<uint64_t>().at(0);
  const uint64_t expected = plan.bulk() ? plan.bytes : plan.bytes / 4 * kFillWord;
  GT_CHECK(counted == expected, kExitFailed,
           fmt::format("stream floor: {} over {} bytes counted {}, expected {} ({})",
                       to_string(plan.variant), plan.bytes, counted, expected,
                       plan.bulk() ? "bytes landed" : "sum of the words read"));
}

}  // namespace

StreamFloor measure_stream_floor(uint64_t bytes, const TimingOptions& timing) {
  GT_CHECK(bytes > 0, kExitUsage, "stream floor: nothing to read");
  NvtxRange range("stream floor");
  int device = 0, sm_count = 0, smem_optin = 0;
  GT_CUDA_CHECK(cudaGetDevice(&device));
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, device));
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&smem_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  StreamFloor floor;
  floor.bytes = stream_buffer_bytes(bytes);
  const DeviceBuffer buffer(floor.bytes);
  const DeviceBuffer sum(sizeof(uint64_t));
  TimingOptions options = timing;
  options.clock_per_sample = false;
  Timer timer(options);
  const cudaStream_t stream = timer.stream();
  GT_CUDA_CHECK(cudaMemsetAsync(buffer.get(), kFillByte, floor.bytes, stream));
  std::vector<TimedLaunch> launches;
  const StreamLaunchPlan empty = plan_stream_read(StreamVariant::kLdg, 0, sm_count, smem_optin);
  launches.push_back({"stream floor: empty launch", [&, empty](cudaStream_t s) {
                        launch_stream_read(empty, buffer.get(), sum.as<uint64_t>(), s);
                      }});
  for (const StreamVariant variant : kAllStreamVariants) {
    const StreamLaunchPlan plan = plan_stream_read(variant, floor.bytes, sm_count, smem_optin);
    prepare_stream_read(plan);
    check_reads_everything(plan, buffer, sum, stream);
    floor.variants.push_back({.plan = plan, .timing = {}});
    launches.push_back({fmt::format("stream floor: {} over {} bytes", to_string(variant), floor.bytes),
                        [&, plan](cudaStream_t s) { launch_stream_read(plan, buffer.get(), sum.as<uint64_t>(), s); }});
  }
  std::vector<TimingStats> stats = timer.time_interleaved(launches);
  floor.empty_call = std::move(stats[0]);
  for (size_t i = 0; i < floor.variants.size(); ++i) floor.variants[i].timing = std::move(stats[i + 1]);
  floor.fastest = static_cast<size_t>(
      std::min_element(floor.variants.begin(), floor.variants.end(),
                       [](const StreamFloorVariant& a, const StreamFloorVariant& b) {
                         return a.timing.median_us < b.timing.median_us;
                       }) -
      floor.variants.begin());
  spdlog::debug("stream floor: {} bytes in {:.2f} us ({})", floor.bytes, floor.floor_us(),
                to_string(floor.variants[floor.fastest].plan.variant));
  return floor;
}

StreamFloor measure_stream_floor(const Problem& problem, const TimingOptions& timing) {
  return measure_stream_floor(static_cast<uint64_t>(gemm_min_bytes(problem.shape())), timing);
}

Measurement stream_floor_measurement(const Problem& problem, const TimingOptions& timing) {
  Measurement m;
  m.problem = problem;
  m.kind = RunKind::kStreamFloor;
  try {
    const StreamFloor floor = measure_stream_floor(problem, timing);
    m.timing = floor.variants[floor.fastest].timing;
    m.stream_floor = floor;
    m.disposition = Disposition::kPassed;
    m.reason = fmt::format("fastest of {} read-only kernels: {} ({} bytes; empty launch {:.2f} us)",
                           floor.variants.size(), to_string(floor.variants[floor.fastest].plan.variant),
                           floor.bytes, floor.empty_call.median_us);
  } catch (const Error& e) {
    if (e.code() != kExitFailed) throw;  // NOTE: CUDA errors: the worker reports and restarts
    m.disposition = Disposition::kIncorrect;
    m.reason = one_line(e.what());
  }
  return m;
}

void to_json(nlohmann::json& j, const StreamFloor& floor) {
  nlohmann::json variants = nlohmann::json::array();
  for (const StreamFloorVariant& v : floor.variants) {
    nlohmann::json timing = v.timing;
    timing.erase("samples_us");  // NOTE: the medians decide; the samples would triple the record
    variants.push_back({{"variant", to_string(v.plan.variant)},
                        {"grid", v.plan.grid},
                        {"block", v.plan.block},
                        {"smem_bytes", v.plan.smem_bytes},
                        {"share_bytes", v.plan.share_bytes},
                        {"chunk_bytes", v.plan.chunk_bytes},
                        {"stages", v.plan.stages},
                        {"median_us", v.timing.median_us},
                        {"tbps", static_cast<double>(floor.bytes) / v.timing.median_us / 1e6},
                        {"timing", std::move(timing)}});
  }
  nlohmann::json empty = floor.empty_call;
  empty.erase("samples_us");
  j = nlohmann::json{{"bytes", floor.bytes},
                     {"floor_us", floor.floor_us()},
                     {"tbps", floor.tbps()},
                     {"fastest", to_string(floor.variants.at(floor.fastest).plan.variant)},
                     {"empty_call_us", floor.empty_call.median_us},
                     {"empty_call", std::move(empty)},
                     {"variants", std::move(variants)}};
}

}  // namespace gemmtune
