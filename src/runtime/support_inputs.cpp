#include "runtime/support_inputs.hpp"

#include "core/error.hpp"
#include "core/smem_layout.hpp"
#include "kernels/support_params.h"
#include "runtime/cuda_check.hpp"
#include "runtime/support_module.hpp"

namespace gemmtune {

GemmOperands GemmInputs::operands() const {
  return GemmOperands{.m = m, .n = n, .k = k, .m_pad4 = m_pad4, .sb_ld = sb_ld, .a = a.as<uint8_t>(),
                      .b = b.as<uint8_t>(), .sa = sa.as<float>(), .sb = sb.as<float>()};
}

HostGemmOperands GemmInputs::download() const {
  HostGemmOperands h;
  h.m = m;
  h.n = n;
  h.k = k;
  h.sa_ld = m_pad4;
  h.sb_ld = sb_ld;
  h.a = a.download<uint8_t>();
  h.b = b.download<uint8_t>();
  h.sa = sa.download<float>();
  h.sb = sb.download<float>();
  return h;
}

namespace {

void launch_quantize(const GemmtuneSupportQuantizeParams& p, cudaStream_t stream) {
  const LaunchShape shape{.grid = dim3((p.rows_alloc + 127) / 128, (p.k + 127) / 128, 1), .block = dim3(256, 1, 1)};
  launch_kernel(support_kernels().quantize, shape, stream, p);
}

}  // namespace

GemmInputs generate_inputs(int m, int n, int k, const InputOptions& options, cudaStream_t stream) {
  GT_CHECK(m > 0 && n > 0 && k > 0, kExitUsage, "M, N and K must be positive");
  GT_CHECK(k % 16 == 0, kExitUsage, "K must be a multiple of 16, got " + std::to_string(k));
  GemmInputs in;
  in.m = m;
  in.n = n;
  in.k = k;
  in.m_pad4 = (m + 3) / 4 * 4;
  in.sb_ld = static_cast<int>(sb_leading_dim(k));
  in.seed = options.seed;
  const int64_t kb = num_k_blocks(k);
  in.a = DeviceBuffer(static_cast<size_t>(in.m_pad4) * k);
  in.b = DeviceBuffer(static_cast<size_t>(n) * k);
  in.sa = DeviceBuffer(static_cast<size_t>(kb) * in.m_pad4 * sizeof(float));
  in.sb = DeviceBuffer(static_cast<size_t>((n + 127) / 128) * in.sb_ld * sizeof(float));
  if (options.keep_unquantized) {
    in.xa = DeviceBuffer(static_cast<size_t>(m) * k * sizeof(float));
    in.xb = DeviceBuffer(static_cast<size_t>(n) * k * sizeof(float));
  }
  // The kernel writes every element of A, B and sA; sB's padding columns (kb >= ceil(K/128)) stay 0.
  GT_CUDA_CHECK(cudaMemsetAsync(in.sb.get(), 0, in.sb.size_bytes(), stream));
  launch_quantize(GemmtuneSupportQuantizeParams{.seed = options.seed,
                                                .tensor_id = 0,
                                                .rows = m,
                                                .rows_alloc = in.m_pad4,
                                                .k = k,
                                                .per_row_scale = 1,
                                                .scale_row_stride = 1,
                                                .scale_kb_stride = in.m_pad4,
                                                .q = in.a.as<unsigned char>(),
                                                .scales = in.sa.as<float>(),
                                                .x = in.xa.as<float>()},
                  stream);
  launch_quantize(GemmtuneSupportQuantizeParams{.seed = options.seed,
                                                .tensor_id = 1,
                                                .rows = n,
                                                .rows_alloc = n,
                                                .k = k,
                                                .per_row_scale = 0,
                                                .scale_row_stride = in.sb_ld,
                                                .scale_kb_stride = 1,
                                                .q = in.b.as<unsigned char>(),
                                                .scales = in.sb.as<float>(),
                                                .x = in.xb.as<float>()},
                  stream);
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return in;
}

}  // namespace gemmtune
