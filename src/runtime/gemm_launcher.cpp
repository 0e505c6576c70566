// The sm90_fp8_gemm_1d2d family in gemmtune's runtime: kernels loaded through runtime/module,
// driver entry points resolved at run time (runtime/driver_api), everything about a launch from
// kernels/sm90_fp8_gemm_1d2d_launch.h.
#include "runtime/gemm_launcher.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "core/error.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/driver_api.hpp"

namespace gemmtune {

namespace launch = sm90_fp8_gemm_1d2d;

GemmKernel::GemmKernel(const KernelConfig& config, const std::vector<char>& cubin,
                       const std::string& kernel_name)
    : config_(config),
      facts_(launch_facts(config)),
      module_(cubin, kernel_name),
      kernel_(module_.kernel(kernel_name)) {
  // Experiment hook: a member without a cluster launched in clusters of 2 all the same (its CTAs
  // never address each other, so its results do not change), to time what a cluster launch
  // alone costs a call (scripts/lab/device_cluster_launch_probe.sh).
  if (facts_.cluster_size == 1 && facts_.num_sms % 2 == 0 &&
      std::getenv("GEMMTUNE_CLUSTER_LAUNCH_PROBE") != nullptr) {
    facts_.cluster_size = 2;
  }
  GT_CU_CHECK(launch::configure_function(kernel_.function, facts_, driver_api().cuFuncSetAttribute));
  const launch::LaunchDims dims = launch::launch_dims(facts_);
  if (dims.cluster_x > 1) {
    CUlaunchAttribute attrs[launch::kMaxLaunchAttributes];
    const CUlaunchConfig query = launch::launch_config(facts_, nullptr, attrs);
    int co_resident = 0;
    GT_CU_CHECK(driver_api().cuOccupancyMaxActiveClusters(&co_resident, kernel_.function, &query));
    const int grid_clusters = static_cast<int>(dims.grid_x / dims.cluster_x);
    // NOTE: a persistent grid that does not fit runs its last clusters' tiles after the others.
    if (co_resident < grid_clusters) {
      spdlog::warn("{}: {} clusters of {} fit on the GPU at once, the grid has {}: the rest run "
                   "as a second wave",
                   kernel_name, co_resident, dims.cluster_x, grid_clusters);
    } else {
      spdlog::debug("{}: {} clusters of {} fit at once (grid {})", kernel_name, co_resident,
                    dims.cluster_x, grid_clusters);
    }
  }
}

LaunchShape GemmKernel::launch_shape() const {
  const launch::LaunchDims dims = launch::launch_dims(facts_);
  return LaunchShape{.grid = dim3(dims.grid_x, 1, 1),
                     .block = dim3(dims.block_x, 1, 1),
                     .smem_bytes = dims.smem_bytes,
                     .cluster_x = dims.cluster_x};
}

PreparedGemm::PreparedGemm(const GemmKernel& kernel, const GemmOperands& op, void* d)
    : PreparedGemm(kernel, launch::Problem{.m = op.m, .n = op.n, .k = op.k, .a = op.a, .b = op.b,
                                           .sa = op.sa, .sb = op.sb, .sa_ld = op.m_pad4,
                                           .sb_ld = op.sb_ld, .d = d}) {}

PreparedGemm::PreparedGemm(const GemmKernel& kernel, const launch::Problem& problem)
    : kernel_(kernel) {
  const launch::KernelFacts& f = kernel.facts();
  // NOTE: the kernel trusts num_groups (its group table has kGemmtuneMaxGroups + 2 entries).
  GT_CHECK(f.layout == launch::GroupLayout::kNone
               ? problem.num_groups == 0
               : launch::can_run_grouped(f, problem.m, problem.n, problem.k, problem.num_groups,
                                         problem.max_m),
           kExitUsage,
           kernel.kernel().name + " cannot run this problem: its layout, group count (1.." +
               std::to_string(kGemmtuneMaxGroups) + "), multicast or split-K rules refuse it");
  // NOTE: one shape per workspace here, so the counter region holds exactly its tiles.
  const launch::WorkspaceLayout layout =
      launch::workspace_layout(f, problem.m, problem.n, launch::tile_count(f, problem.m, problem.n));
  if (layout.total_bytes > 0) {
    workspace_ = DeviceBuffer(layout.total_bytes);
    GT_CUDA_CHECK(cudaMemset(workspace_.get(), 0, layout.partials_offset_bytes));
  }
  const launch::LaunchPlan plan =
      launch::plan_launch(f, problem, workspace_.get(), layout.partials_offset_bytes);
  GT_CU_CHECK(launch::encode_launch(plan, driver_api().cuTensorMapEncodeTiled, &args_));
}

void PreparedGemm::launch(cudaStream_t stream, launch::LaunchOrder order) const {
  const launch::LaunchDims dims = launch::launch_dims(kernel_.facts());
  spdlog::trace("launch {} grid ({}, 1, 1) block {} smem {} B cluster {}{}", kernel_.kernel().name,
                dims.grid_x, dims.block_x, dims.smem_bytes, dims.cluster_x,
                order == launch::LaunchOrder::kOverlapPrevious ? ", overlapping the previous" : "");
  GT_CU_CHECK(launch::launch(kernel_.kernel().function, kernel_.facts(), args_, stream,
                             driver_api().cuLaunchKernelEx, order));
}

}  // namespace gemmtune
