// The float64 CPU reference: scale indexing by K block (sA) and by 128-row block of B (sB).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/reference_cpu.hpp"

namespace gemmtune {
namespace {

constexpr uint8_t kOne = 0x38;  // e4m3 1.0
constexpr uint8_t kTwo = 0x40;  // e4m3 2.0

TEST(ReferenceCpu, AppliesScalesPerKBlockAndPerWeightBlock) {
  HostGemmOperands op;
  op.m = 2;
  op.n = 130;  // rows 128..129 of B use the second row of sB
  op.k = 256;  // two K blocks
  op.sa_ld = 4;
  op.sb_ld = 4;
  op.a.assign(op.m * op.k, kOne);
  op.b.assign(op.n * op.k, kTwo);
  op.sa = {0.5f, 1.0f, 0, 0,    // kb 0: m = 0, 1
           0.25f, 3.0f, 0, 0};  // kb 1
  op.sb = {1.0f, 10.0f, 0, 0,   // n block 0: kb 0, 1
           2.0f, 100.0f, 0, 0}; // n block 1
  const std::vector<double> d = reference_gemm_f64(op);
  ASSERT_EQ(d.size(), 2u * 130u);
  const double block = 128 * 1.0 * 2.0;  // sum of one K block
  EXPECT_DOUBLE_EQ(d[0 * 130 + 0], block * (0.5 * 1.0 + 0.25 * 10.0));
  EXPECT_DOUBLE_EQ(d[1 * 130 + 5], block * (1.0 * 1.0 + 3.0 * 10.0));
  EXPECT_DOUBLE_EQ(d[0 * 130 + 129], block * (0.5 * 2.0 + 0.25 * 100.0));
  EXPECT_DOUBLE_EQ(d[1 * 130 + 128], block * (1.0 * 2.0 + 3.0 * 100.0));
}

TEST(ReferenceCpu, PartialLastKBlock) {
  HostGemmOperands op;
  op.m = 1;
  op.n = 1;
  op.k = 144;  // 128 + 16
  op.sa_ld = 4;
  op.sb_ld = 4;
  op.a.assign(op.k, kOne);
  op.b.assign(op.k, kOne);
  op.sa = {1.0f, 0, 0, 0, 2.0f, 0, 0, 0};
  op.sb = {1.0f, 1.0f, 0, 0};
  EXPECT_DOUBLE_EQ(reference_gemm_f64(op)[0], 128.0 + 16.0 * 2.0);
}

TEST(ReferenceCpu, RejectsUndersizedOperands) {
  HostGemmOperands op;
  op.m = 2;
  op.n = 2;
  op.k = 16;
  op.sa_ld = 4;
  op.sb_ld = 4;
  op.a.assign(16, kOne);  // needs 32
  op.b.assign(32, kOne);
  op.sa.assign(4, 1.0f);
  op.sb.assign(4, 1.0f);
  EXPECT_THROW(static_cast<void>(reference_gemm_f64(op)), Error);
}

}  // namespace
}  // namespace gemmtune
