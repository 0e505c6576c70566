// support_params.h: launch parameters of the support kernels (support_*.cuh), shared by host code
// (src/runtime/support_*.cpp) and device code. NVRTC-clean: no includes, plain fields only.
// Each kernel takes one of these structs by value, so host and device can never disagree on the
// order or the types of the arguments.
#pragma once

/// Bits of every bf16 element of D before a validated launch (a NaN): the output is filled with
/// 0xFF bytes, so an element the kernel never wrote reads as NaN and fails validation.
constexpr unsigned short kGemmtunePoisonBf16 = 0xFFFFu;

/// support_inputs_quantize: generate X = u * exp(U(-4,4)) from a seed (u uniform in [-1, 1), or
/// standard normal: `distribution`, src/core/input_distribution.hpp) and quantize it to e4m3 with
/// one fp32 scale per 1x128 block (per_row_scale = 1, activations A) or per 128x128 block
/// (per_row_scale = 0, weights B). scale(r, kb) = scales[(per_row_scale ? r : r / 128) *
/// scale_row_stride + kb * scale_kb_stride].
struct GemmtuneSupportQuantizeParams {
  unsigned long long seed;
  int tensor_id;               // 0 = A, 1 = B: selects an independent random stream
  int rows;                    // real rows (M or N); rows in [rows, rows_alloc) are written as 0
  int rows_alloc;              // allocated rows of q (M rounded up to 4 for A)
  int k;                       // columns, multiple of 16
  int per_row_scale;           // 1: 1x128 scale blocks, 0: 128x128 scale blocks
  long long scale_row_stride;  // in floats
  long long scale_kb_stride;   // in floats
  unsigned char* q;            // e4m3 [rows_alloc][k]
  float* scales;
  float* x;                    // optional fp32 [rows][k] unquantized values, null to skip
  int distribution;            // 0 uniform, 1 normal (InputDistribution)
};

/// support_reference_gemm_*: D[m][n] (fp32, row-major, ld n) = sum_k A[m][k] * B[n][k], with
/// per-block dequantization for the e4m3 variant (layouts of gemmtune_params.h).
struct GemmtuneSupportReferenceParams {
  int m;
  int n;
  int k;                       // multiple of 16
  int sa_ld;                   // M rounded up to 4 (floats per K block of sA)
  int sb_ld;                   // roundup(ceil(K/128), 4)
  const void* a;               // e4m3 [m][k] or fp32 [m][k]
  const void* b;               // e4m3 [n][k] or fp32 [n][k]
  const float* sa;             // [ceil(K/128)][sa_ld], unused by the fp32 variant
  const float* sb;             // [ceil(N/128)][sb_ld], unused by the fp32 variant
  float* d;
};

/// Accumulators of support_compare: zero them before the launch.
struct GemmtuneSupportCompareSums {
  double sum_xy;                       // over pairs where both values are finite
  double sum_xx;
  double sum_yy;
  unsigned long long nonfinite_count;  // x (the output) NaN or Inf, poison included
  unsigned long long poison_count;     // x still equal to the poison pattern 0xFFFF
  unsigned long long ref_nonfinite_count;
  unsigned long long worst;            // (float bits of max rel. error) << 33 | element index
  unsigned int max_abs_err_bits;       // float bits of max |x - y|
  unsigned int pad;
};

/// support_compare: x = D (bf16 bits), y = reference (fp32 or bf16 bits), count elements.
struct GemmtuneSupportCompareParams {
  const unsigned short* x;
  const void* y;
  int y_is_bf16;
  float rel_err_floor;                 // |x-y| / max(|y|, rel_err_floor)
  long long count;
  GemmtuneSupportCompareSums* sums;
};

/// support_compare_to_bf16: dst[i] = bf16_rn(src[i]) for i < count.
struct GemmtuneSupportToBf16Params {
  const float* src;
  unsigned short* dst;
  long long count;
};

/// support_timing_spin: blocks its stream until *flag != 0 or timeout_ns passed (then sets
/// *timed_out = 1). flag and timed_out live in host-mapped memory.
struct GemmtuneSupportSpinParams {
  volatile int* flag;
  volatile int* timed_out;
  unsigned long long timeout_ns;
};

/// support_timing_clock_probe: one thread spins spin_ns (by %globaltimer) and writes
/// out[0] = SM cycles elapsed (%clock64), out[1] = ns elapsed, out[2] = %globaltimer at its start.
/// out lives in host-mapped memory.
struct GemmtuneSupportClockProbeParams {
  unsigned long long* out;
  unsigned long long spin_ns;
};

/// support_stream_read_ldg: threads per CTA (its launch bounds, and the host's launch plan).
constexpr int kGemmtuneStreamLdgThreads = 256;

/// support_stream_read_ldg / support_stream_read_bulk (support_stream.cuh): read `bytes` of `src`
/// once, the whole grid at once. src is 16-byte aligned and bytes a multiple of 16 (0: an empty
/// launch, the protocol's fixed cost). src/core/stream_floor_plan.hpp computes the launch.
struct GemmtuneSupportStreamParams {
  const unsigned char* src;
  unsigned long long bytes;
  unsigned long long share_bytes;  // bulk: the contiguous bytes of each CTA (multiple of 16)
  unsigned int chunk_bytes;        // bulk: bytes per copy (multiple of 16)
  unsigned int stages;             // bulk: copies in flight per CTA (shared memory: stages x chunk)
  int evict_first;                 // 1: loads under the L2 evict-first policy
  unsigned long long* sum;         // ldg: += the 32-bit words read, summed; bulk: += bytes landed
};
