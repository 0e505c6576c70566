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

/// Launches support_inputs_quantize with `p`, drawing from `options`' distribution.
void launch_quantize(GemmtuneSupportQuantizeParams p, const InputOptions& options,
                     cudaStream_t stream) {
  p.distribution = static_cast<int>(options.distribution);
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
                                                .x = in.xa.as<float>()}, options,
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
                                                .x = in.xb.as<float>()}, options,
                  stream);
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return in;
}

}  // namespace gemmtune

namespace gemmtune {

GemmOperands GroupedInputs::group_operands(int g) const {
  const size_t row0 = static_cast<size_t>(row_begin[g]);
  const size_t scale_rows = static_cast<size_t>((n + 127) / 128);
  return GemmOperands{.m = static_cast<int>(rows[g]), .n = n, .k = k, .m_pad4 = m_pad4,
                      .sb_ld = sb_ld, .a = a.as<uint8_t>() + row0 * k,
                      .b = b.as<uint8_t>() + static_cast<size_t>(g) * n * k,
                      .sa = sa.as<float>() + row0,
                      .sb = sb.as<float>() + static_cast<size_t>(g) * scale_rows * sb_ld};
}

GroupedInputs generate_grouped_inputs(const Problem& problem, const InputOptions& options,
                                      cudaStream_t stream) {
  GT_CHECK(problem.layout != GroupLayout::kNone && problem.groups() > 0, kExitUsage,
           "generate_grouped_inputs needs a grouped problem");
  GroupedInputs in;
  in.layout = problem.layout;
  in.groups = static_cast<int>(problem.groups());
  in.m = static_cast<int>(problem.m);
  in.n = static_cast<int>(problem.n);
  in.k = static_cast<int>(problem.k);
  in.max_m = static_cast<int>(problem.max_m);
  in.m_pad4 = (in.m + 3) / 4 * 4;
  in.sb_ld = static_cast<int>(sb_leading_dim(in.k));
  std::vector<int32_t> device_rows;
  int64_t next = 0;
  for (int g = 0; g < in.groups; ++g) {
    const bool masked = in.layout == GroupLayout::kMasked;
    in.row_begin.push_back(masked ? int64_t{g} * in.max_m : next);
    in.rows.push_back(problem.group_m[g]);
    if (!masked) device_rows.push_back(static_cast<int32_t>(next));
    if (masked) device_rows.push_back(static_cast<int32_t>(problem.group_m[g]));
    next += problem.group_m[g];
  }
  if (in.layout == GroupLayout::kContiguous) device_rows.push_back(static_cast<int32_t>(next));
  const int64_t kb = num_k_blocks(in.k);
  const int64_t scale_rows = (in.n + 127) / 128;
  in.a = DeviceBuffer(static_cast<size_t>(in.m_pad4) * in.k);
  in.sa = DeviceBuffer(static_cast<size_t>(kb) * in.m_pad4 * sizeof(float));
  in.b = DeviceBuffer(static_cast<size_t>(in.groups) * in.n * in.k);
  in.sb = DeviceBuffer(static_cast<size_t>(in.groups * scale_rows) * in.sb_ld * sizeof(float));
  in.group_rows = DeviceBuffer(device_rows.size() * sizeof(int32_t));
  in.group_rows.upload(device_rows);
  GT_CUDA_CHECK(cudaMemsetAsync(in.sb.get(), 0, in.sb.size_bytes(), stream));
  launch_quantize(GemmtuneSupportQuantizeParams{.seed = options.seed, .tensor_id = 0,
                                                .rows = in.m, .rows_alloc = in.m_pad4, .k = in.k,
                                                .per_row_scale = 1, .scale_row_stride = 1,
                                                .scale_kb_stride = in.m_pad4,
                                                .q = in.a.as<unsigned char>(),
                                                .scales = in.sa.as<float>(), .x = nullptr}, options,
                  stream);
  for (int g = 0; g < in.groups; ++g) {
    // NOTE: tensor ids 2 + g: stream 1 is the dense B's, so group 0 differs from a dense B too.
    const GemmOperands op = in.group_operands(g);
    launch_quantize(GemmtuneSupportQuantizeParams{
                        .seed = options.seed, .tensor_id = 2 + g, .rows = in.n,
                        .rows_alloc = in.n, .k = in.k, .per_row_scale = 0,
                        .scale_row_stride = in.sb_ld, .scale_kb_stride = 1,
                        .q = const_cast<unsigned char*>(op.b), .scales = const_cast<float*>(op.sb),
                        .x = nullptr}, options,
                    stream);
  }
  if (in.layout == GroupLayout::kMasked) {
    // Rows past masked_m: e4m3 NaN and NaN scales (0xff bytes), so a kernel that lets them into
    // any stored result fails validation.
    for (int g = 0; g < in.groups; ++g) {
      const int64_t unused = in.max_m - in.rows[g];
      if (unused == 0) continue;
      const int64_t row0 = in.row_begin[g] + in.rows[g];
      GT_CUDA_CHECK(cudaMemsetAsync(in.a.as<uint8_t>() + row0 * in.k, 0x7f,
                                    static_cast<size_t>(unused) * in.k, stream));
      GT_CUDA_CHECK(cudaMemset2DAsync(in.sa.as<float>() + row0, in.m_pad4 * sizeof(float), 0xff,
                                      unused * sizeof(float), kb, stream));
    }
  }
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return in;
}

}  // namespace gemmtune
