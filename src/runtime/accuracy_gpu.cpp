// The GPU paths of `gemmtune accuracy`: every GEMM is run once, synchronously, on operands the
// host quantized, and its output read back. Nothing here is timed.
#include "runtime/accuracy_gpu.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/legality.hpp"
#include "core/number_formats.hpp"
#include "jit/kernel_build.hpp"
#include "runtime/accuracy_cublaslt.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/environment.hpp"
#include "runtime/gemm_launcher.hpp"
#include "runtime/support_compare.hpp"

namespace gemmtune {
namespace {

int64_t round_up4(int64_t v) { return (v + 3) / 4 * 4; }

/// A device copy of `host`, with `bytes` allocated (>= the host size; the rest zeroed).
template <typename T>
DeviceBuffer upload(std::span<const T> host, size_t bytes = 0) {
  DeviceBuffer buffer(std::max(bytes, host.size_bytes()));
  if (buffer.size_bytes() > host.size_bytes()) GT_CUDA_CHECK(cudaMemset(buffer.get(), 0, buffer.size_bytes()));
  buffer.upload_bytes(host.data(), host.size_bytes());
  return buffer;
}

/// FP32 scales in their own 256-byte slot each (cuBLASLt refused adjacent scalars on the H200,
/// runtime/cublaslt_fp8_gemm.cpp), padded with 1.0 to `count` values.
DeviceBuffer upload_scales(const std::vector<float>& scales, int64_t count) {
  std::vector<float> padded(static_cast<size_t>(std::max<int64_t>(count, 64)), 1.0f);
  std::copy(scales.begin(), scales.end(), padded.begin());
  return upload(std::span<const float>(padded));
}

bool per_tensor(const QuantizedMatrix& q) { return q.scales.size() == 1; }
bool per_row(const QuantizedMatrix& q) { return q.block == ScaleBlock{1, q.cols}; }

}  // namespace

std::vector<double> decode_bf16_rows(const std::vector<uint16_t>& d, int64_t m, int64_t n) {
  std::vector<double> out(static_cast<size_t>(m * n));
  for (size_t i = 0; i < out.size(); ++i) out[i] = bf16_to_float(d[i]);
  return out;
}

KernelConfig default_accuracy_config(int sm_count) {
  return KernelConfig{.block_m = 128, .block_n = 128, .stages = 4, .multicast = Multicast::kNone,
                      .num_sms = sm_count, .raster = Raster::kN, .group = 8, .split_k = 1};
}

struct AccuracyGpu::LoadedKernel {
  jit::CompileResult compiled;
  GemmKernel kernel;
  LoadedKernel(const KernelConfig& config, jit::CompileResult built)
      : compiled(std::move(built)), kernel(config, compiled.cubin, compiled.kernel_name) {}
};

AccuracyGpu::AccuracyGpu(const KernelConfig& kernel_config) : config_(kernel_config) {
  require_gpu();
  const DeviceInfo device = query_device(0);
  gpu_name_ = device.name;
  sm_count_ = device.sm_count;
  device_memory_bytes_ = device.global_mem_bytes;
}

AccuracyGpu::~AccuracyGpu() = default;

std::string AccuracyGpu::description() const {
  return fmt::format("{} ({} SMs); gemmtune kernel {}; cuBLASLt {}", gpu_name_, sm_count_, to_string(config_),
                     cublaslt_version_string(static_cast<int64_t>(cublasLtGetVersion())));
}

std::vector<double> AccuracyGpu::product_f64(std::span<const double> a, std::span<const double> b, int64_t m,
                                             int64_t n, int64_t k) {
  const DeviceBuffer da = upload(a), db = upload(b);
  DeviceBuffer dd(static_cast<size_t>(m * n) * sizeof(double));
  std::string why;
  const bool ok = run_lt_gemm(LtGemmSpec{}, da.get(), db.get(), dd.get(), m, n, k, stream_.get(), &why);
  GT_CHECK(ok, kExitCudaError, "cuBLASLt FP64 GEMM: " + why);
  return dd.download<double>();
}

std::optional<std::vector<double>> AccuracyGpu::gemm_bf16(std::span<const uint16_t> a, std::span<const uint16_t> b,
                                                          int64_t m, int64_t n, int64_t k, std::string* why) {
  const DeviceBuffer da = upload(a), db = upload(b);
  DeviceBuffer dd(static_cast<size_t>(m * n) * 2);
  const LtGemmSpec spec{.input_type = CUDA_R_16BF, .output_type = CUDA_R_16BF, .compute = CUBLAS_COMPUTE_32F,
                        .scale_type = CUDA_R_32F};
  if (!run_lt_gemm(spec, da.get(), db.get(), dd.get(), m, n, k, stream_.get(), why)) return std::nullopt;
  return decode_bf16_rows(dd.download<uint16_t>(), m, n);
}

std::optional<std::vector<double>> AccuracyGpu::gemm_fp8(AccuracyPath path, const QuantizedMatrix& a,
                                                         const QuantizedMatrix& b, std::string* why) {
  GT_CHECK(a.cols == b.cols && a.format == b.format, kExitUsage, "A and B must share K and scale format");
  if (path == AccuracyPath::kGemmtune) return run_gemmtune(a, b, why);
  return run_cublaslt_fp8(path, a, b, why);
}

std::optional<std::vector<double>> AccuracyGpu::run_gemmtune(const QuantizedMatrix& a, const QuantizedMatrix& b,
                                                             std::string* why) {
  if (!fits_kernel_layout(a, b)) {
    *why = "the kernel's scales are per 1x128 block of A and 128x128 block of B";
    return std::nullopt;
  }
  const Problem problem{.label = "", .m = a.rows, .n = b.rows, .k = a.cols};
  const DeviceLimits limits{.sm_count = sm_count_, .device_memory_bytes = device_memory_bytes_};
  if (const Legality legal = check_legality(problem, config_, limits); !legal.legal) {
    *why = fmt::format("{} cannot run {}x{}x{}: {}: {}", to_string(config_), problem.m, problem.n, problem.k,
                       legal.rule_id, legal.reason);
    return std::nullopt;
  }
  if (!kernel_ && kernel_failure_.empty()) {
    jit::CompileResult built = jit::build_kernel(config_);
    if (built.ok) {
      kernel_ = std::make_unique<LoadedKernel>(config_, std::move(built));
    } else {
      kernel_failure_ = "kernel did not compile: " + built.log.substr(0, 300);
    }
  }
  if (!kernel_) {
    *why = kernel_failure_;
    return std::nullopt;
  }
  const HostGemmOperands host = to_kernel_operands(a, b);
  const int64_t m_pad4 = round_up4(host.m);
  const DeviceBuffer da = upload(std::span<const uint8_t>(host.a), static_cast<size_t>(m_pad4 * host.k));
  const DeviceBuffer db = upload(std::span<const uint8_t>(host.b));
  const DeviceBuffer dsa = upload(std::span<const float>(host.sa));
  const DeviceBuffer dsb = upload(std::span<const float>(host.sb));
  DeviceBuffer dd(static_cast<size_t>(m_pad4 * host.n) * 2);
  const GemmOperands ops{.m = static_cast<int>(host.m), .n = static_cast<int>(host.n), .k = static_cast<int>(host.k),
                         .m_pad4 = static_cast<int>(m_pad4), .sb_ld = static_cast<int>(host.sb_ld),
                         .a = da.as<uint8_t>(), .b = db.as<uint8_t>(), .sa = dsa.as<float>(), .sb = dsb.as<float>()};
  poison_output(dd.get(), dd.size_bytes(), stream_.get());
  const PreparedGemm prepared(kernel_->kernel, ops, dd.get());
  prepared.launch(stream_.get());
  GT_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  return decode_bf16_rows(dd.download<uint16_t>(), host.m, host.n);
}

std::optional<std::vector<double>> AccuracyGpu::run_cublaslt_fp8(AccuracyPath path, const QuantizedMatrix& a,
                                                                 const QuantizedMatrix& b, std::string* why) {
  const int64_t m = a.rows, n = b.rows, k = a.cols, m_pad4 = round_up4(m);
  const bool fast = path == AccuracyPath::kCublasLtFastAccum;
  DeviceBuffer dd(static_cast<size_t>(m_pad4 * n) * 2);
  poison_output(dd.get(), dd.size_bytes(), stream_.get());
  const bool block128 = a.block == ScaleBlock{1, 128} && b.block == ScaleBlock{128, 128};
  if (block128 && !fast) {
    // The block-scaled mode gemmtune validates against (same wrapper as `gemmtune run`).
    const HostGemmOperands host = to_kernel_operands(a, b);
    const DeviceBuffer da = upload(std::span<const uint8_t>(host.a), static_cast<size_t>(m_pad4 * k));
    const DeviceBuffer db = upload(std::span<const uint8_t>(host.b));
    const DeviceBuffer dsa = upload(std::span<const float>(host.sa));
    const DeviceBuffer dsb = upload(std::span<const float>(host.sb));
    const GemmOperands ops{.m = static_cast<int>(m), .n = static_cast<int>(n), .k = static_cast<int>(k),
                           .m_pad4 = static_cast<int>(m_pad4), .sb_ld = static_cast<int>(host.sb_ld),
                           .a = da.as<uint8_t>(), .b = db.as<uint8_t>(), .sa = dsa.as<float>(), .sb = dsb.as<float>()};
    CublasLtFp8Gemm gemm(ops, dd.as<uint16_t>(), CublasLtGemmOptions{});
    if (!gemm.select_heuristic(why)) return std::nullopt;
    gemm.run(stream_.get());
    GT_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
    return decode_bf16_rows(dd.download<uint16_t>(), m, n);
  }
  LtGemmSpec spec{.input_type = CUDA_R_8F_E4M3, .output_type = CUDA_R_16BF, .compute = CUBLAS_COMPUTE_32F,
                  .scale_type = CUDA_R_32F, .fast_accum = fast};
  DeviceBuffer sa, sb;
  if (per_tensor(a) && per_tensor(b)) {
    sa = upload_scales(a.scales, 1);
    sb = upload_scales(b.scales, 1);
  } else if (per_row(a) && per_row(b) && !fast) {
    // NOTE: outer-vector scaling: cuBLAS A (our B) takes N values, cuBLAS B (our A) M values;
    // our A is described with m_pad4 rows, its padding rows are zero and scaled by 1.
    spec.a_scale_mode = CUBLASLT_MATMUL_MATRIX_SCALE_OUTER_VEC_32F;
    spec.b_scale_mode = CUBLASLT_MATMUL_MATRIX_SCALE_OUTER_VEC_32F;
    sa = upload_scales(a.scales, m_pad4);
    sb = upload_scales(b.scales, n);
  } else {
    *why = fmt::format("no cuBLASLt scale mode for {}x{} blocks on A and {}x{} on B{}", a.block.rows, a.block.cols,
                       b.block.rows, b.block.cols, fast ? " with FAST_ACCUM" : "");
    return std::nullopt;
  }
  spec.a_scale = sa.get();
  spec.b_scale = sb.get();
  const DeviceBuffer da = upload(std::span<const uint8_t>(a.q), static_cast<size_t>(m_pad4 * k));
  const DeviceBuffer db = upload(std::span<const uint8_t>(b.q));
  if (!run_lt_gemm(spec, da.get(), db.get(), dd.get(), m_pad4, n, k, stream_.get(), why)) return std::nullopt;
  return decode_bf16_rows(dd.download<uint16_t>(), m, n);
}

}  // namespace gemmtune
