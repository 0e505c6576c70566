#include "core/reference_cpu.hpp"

#include <algorithm>
#include <array>

#include "core/error.hpp"
#include "core/number_formats.hpp"

namespace gemmtune {

std::vector<double> reference_gemm_f64(const HostGemmOperands& op) {
  const int64_t num_kb = (op.k + 127) / 128;
  GT_CHECK(static_cast<int64_t>(op.a.size()) >= op.m * op.k, kExitUsage, "A too small");
  GT_CHECK(static_cast<int64_t>(op.b.size()) >= op.n * op.k, kExitUsage, "B too small");
  GT_CHECK(op.sa_ld >= op.m && static_cast<int64_t>(op.sa.size()) >= num_kb * op.sa_ld, kExitUsage, "sA too small");
  GT_CHECK(op.sb_ld >= num_kb && static_cast<int64_t>(op.sb.size()) >= (op.n + 127) / 128 * op.sb_ld, kExitUsage,
           "sB too small");
  std::array<double, 256> decode{};
  for (int bits = 0; bits < 256; ++bits) decode[bits] = e4m3_to_float(static_cast<uint8_t>(bits));

  std::vector<double> d(static_cast<size_t>(op.m * op.n), 0.0);
  for (int64_t m = 0; m < op.m; ++m) {
    const uint8_t* a_row = op.a.data() + m * op.k;
    for (int64_t n = 0; n < op.n; ++n) {
      const uint8_t* b_row = op.b.data() + n * op.k;
      double acc = 0.0;
      for (int64_t kb = 0; kb < num_kb; ++kb) {
        double block = 0.0;
        for (int64_t k = kb * 128; k < std::min(op.k, kb * 128 + 128); ++k) block += decode[a_row[k]] * decode[b_row[k]];
        acc += block * op.sa[kb * op.sa_ld + m] * op.sb[(n / 128) * op.sb_ld + kb];
      }
      d[m * op.n + n] = acc;
    }
  }
  return d;
}

}  // namespace gemmtune
