#include "runtime/support_reference.hpp"

#include "core/error.hpp"
#include "kernels/support_params.h"
#include "runtime/support_module.hpp"

namespace gemmtune {

namespace {

void launch_reference(const Kernel& kernel, const GemmtuneSupportReferenceParams& p, cudaStream_t stream) {
  const LaunchShape shape{.grid = dim3((p.n + 127) / 128, (p.m + 127) / 128, 1), .block = dim3(256, 1, 1)};
  launch_kernel(kernel, shape, stream, p);
}

}  // namespace

void run_reference_dequantized(const GemmOperands& op, float* d_ref, cudaStream_t stream) {
  launch_reference(support_kernels().reference_dequantized,
                   GemmtuneSupportReferenceParams{.m = op.m, .n = op.n, .k = op.k, .sa_ld = op.m_pad4,
                                                  .sb_ld = op.sb_ld, .a = op.a, .b = op.b, .sa = op.sa,
                                                  .sb = op.sb, .d = d_ref},
                   stream);
}

void run_reference_unquantized(const GemmInputs& in, float* d_ref, cudaStream_t stream) {
  GT_CHECK(in.xa.get() != nullptr && in.xb.get() != nullptr, kExitUsage,
           "the unquantized reference needs inputs generated with keep_unquantized");
  launch_reference(support_kernels().reference_f32,
                   GemmtuneSupportReferenceParams{.m = in.m, .n = in.n, .k = in.k, .sa_ld = in.m_pad4,
                                                  .sb_ld = in.sb_ld, .a = in.xa.get(), .b = in.xb.get(),
                                                  .sa = nullptr, .sb = nullptr, .d = d_ref},
                   stream);
}

}  // namespace gemmtune
