#include "runtime/stream_read.hpp"

#include "kernels/support_params.h"
#include "runtime/support_module.hpp"

namespace gemmtune {

namespace {

const Kernel& stream_read_kernel(const StreamLaunchPlan& plan) {
  const SupportKernels& k = support_kernels();
  return plan.bulk() ? k.stream_read_bulk : k.stream_read_ldg;
}

}  // namespace

void prepare_stream_read(const StreamLaunchPlan& plan) {
  if (plan.smem_bytes > 48u << 10) stream_read_kernel(plan).set_max_dynamic_smem(static_cast<int>(plan.smem_bytes));
}

void launch_stream_read(const StreamLaunchPlan& plan, const void* src, uint64_t* sum,
                        cudaStream_t stream) {
  const GemmtuneSupportStreamParams params{
      .src = static_cast<const unsigned char*>(src),
      .bytes = plan.bytes,
      .share_bytes = plan.share_bytes,
      .chunk_bytes = plan.chunk_bytes,
      .stages = plan.stages,
      .evict_first = plan.evict_first ? 1 : 0,
      .sum = reinterpret_cast<unsigned long long*>(sum)};
  launch_kernel(stream_read_kernel(plan),
                LaunchShape{.grid = dim3(plan.grid), .block = dim3(plan.block),
                            .smem_bytes = plan.smem_bytes},
                stream, params);
}

}  // namespace gemmtune
