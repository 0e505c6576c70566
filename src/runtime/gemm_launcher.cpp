// Tensor maps, workspace and launch for the sm90_fp8_gemm_1d2d family. The box shapes here must
// match what kernels/sm90_fp8_gemm_1d2d.cuh loads and stores per stage.
#include "runtime/gemm_launcher.hpp"

#include <array>

#include "core/error.hpp"
#include "core/smem_layout.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/driver_api.hpp"

namespace gemmtune {
namespace {

static_assert(sizeof(TensorMapBytes) == sizeof(CUtensorMap), "CUtensorMap size changed");

TensorMapBytes encode_2d(CUtensorMapDataType type, const void* base, uint64_t inner, uint64_t outer,
                         uint64_t row_bytes, uint32_t box_inner, uint32_t box_outer,
                         CUtensorMapSwizzle swizzle) {
  TensorMapBytes map{};
  const std::array<cuuint64_t, 2> dims{inner, outer};
  const std::array<cuuint64_t, 1> strides{row_bytes};
  const std::array<cuuint32_t, 2> box{box_inner, box_outer};
  const std::array<cuuint32_t, 2> element_strides{1, 1};
  // NOTE: out-of-bounds elements are filled with zeros (FLOAT_OOB_FILL_NONE), which is what makes
  // ragged M, N and K tiles correct: zero rows and columns add nothing to the dot products.
  GT_CU_CHECK(driver_api().cuTensorMapEncodeTiled(
      reinterpret_cast<CUtensorMap*>(&map), type, 2, const_cast<void*>(base), dims.data(),
      strides.data(), box.data(), element_strides.data(), CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle,
      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE));
  return map;
}

}  // namespace

GemmKernel::GemmKernel(const KernelConfig& config, const std::vector<char>& cubin,
                       const std::string& kernel_name)
    : config_(config), module_(cubin, kernel_name), kernel_(module_.kernel(kernel_name)) {
  kernel_.set_max_dynamic_smem(static_cast<int>(smem_layout(config_).total_bytes));
}

LaunchShape GemmKernel::launch_shape() const {
  return LaunchShape{.grid = dim3(static_cast<unsigned>(config_.num_sms), 1, 1),
                     .block = dim3(static_cast<unsigned>(config_.threads()), 1, 1),
                     .smem_bytes = static_cast<unsigned>(smem_layout(config_).total_bytes),
                     .cluster_x = static_cast<unsigned>(config_.cluster_size())};
}

PreparedGemm::PreparedGemm(const GemmKernel& kernel, const GemmOperands& op, void* d)
    : kernel_(kernel) {
  const KernelConfig& c = kernel.config();
  const uint64_t m = op.m, n = op.n, k = op.k;
  // NOTE: with fewer rows than a tile, A and sA boxes of block_m rows are mostly out of bounds,
  // and TMA's zero fill is not free: bm64_bn56_s10 at 1 x 7168 x 18432 took 61 us against 45 us
  // at M = 64 (results/PERF_LOG.md, 2026-11-22). So such a problem loads M rows rounded up to 8
  // (whole 128-byte swizzle atoms). The kernel's multicast loads whole boxes from one CTA into
  // both, so the rule holds with multicast too.
  const uint32_t a_rows = m < static_cast<uint64_t>(c.block_m)
                              ? static_cast<uint32_t>((m + 7) / 8 * 8)
                              : static_cast<uint32_t>(c.block_m);
  tmap_a_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_UINT8, op.a, k, m, k, 128, a_rows,
                      CU_TENSOR_MAP_SWIZZLE_128B);
  tmap_b_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_UINT8, op.b, k, n, k, 128, static_cast<uint32_t>(c.block_n),
                      CU_TENSOR_MAP_SWIZZLE_128B);
  tmap_sa_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_FLOAT32, op.sa, op.m_pad4, num_k_blocks(op.k),
                       uint64_t{4} * op.m_pad4, a_rows, 1, CU_TENSOR_MAP_SWIZZLE_NONE);
  // One box per stage: kSbRunFloats K blocks of the tile's two scale rows (core/smem_layout.hpp).
  tmap_sb_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_FLOAT32, op.sb, op.sb_ld, (n + 127) / 128,
                       uint64_t{4} * op.sb_ld, kSbRunFloats, 2, CU_TENSOR_MAP_SWIZZLE_NONE);
  // D is stored in column chunks of d_swizzle_bytes() (core/smem_layout.hpp), one TMA store each.
  const int d_span = d_swizzle_bytes(c.block_n);
  const CUtensorMapSwizzle d_swizzle = d_span == 128  ? CU_TENSOR_MAP_SWIZZLE_128B
                                       : d_span == 64 ? CU_TENSOR_MAP_SWIZZLE_64B
                                       : d_span == 32 ? CU_TENSOR_MAP_SWIZZLE_32B
                                                      : CU_TENSOR_MAP_SWIZZLE_NONE;
  const uint32_t d_box_cols = d_span == 0 ? c.block_n : d_span / 2;
  tmap_d_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, d, n, m, n * 2, d_box_cols, c.block_m,
                      d_swizzle);
  params_.m = op.m;
  params_.n = op.n;
  params_.k = op.k;
  params_.sb_ld = op.sb_ld;
  params_.a_box_rows = static_cast<int>(a_rows);
  params_.sb = op.sb;
  params_.d = static_cast<unsigned short*>(d);
  if (c.split_k > 1) {
    const uint64_t tiles = ((m + c.block_m - 1) / c.block_m) * ((n + c.block_n - 1) / c.block_n);
    const uint64_t partial_bytes = uint64_t{4} * c.split_k * m * n;
    workspace_ = DeviceBuffer(partial_bytes + tiles * 4);
    GT_CUDA_CHECK(cudaMemset(workspace_.as<char>() + partial_bytes, 0, tiles * 4));
    params_.workspace = workspace_.as<float>();
    params_.tile_counters = reinterpret_cast<unsigned int*>(workspace_.as<char>() + partial_bytes);
  }
}

void PreparedGemm::launch(cudaStream_t stream) const {
  void* args[] = {const_cast<TensorMapBytes*>(&tmap_a_), const_cast<TensorMapBytes*>(&tmap_b_),
                  const_cast<TensorMapBytes*>(&tmap_sa_), const_cast<TensorMapBytes*>(&tmap_sb_),
                  const_cast<TensorMapBytes*>(&tmap_d_),
                  const_cast<GemmtuneGemmParams*>(&params_)};
  launch_kernel_args(kernel_.kernel(), kernel_.launch_shape(), stream, args);
}

}  // namespace gemmtune
