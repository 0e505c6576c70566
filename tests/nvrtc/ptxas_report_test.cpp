// parse_ptxas_report() on ptxas reports captured from NVRTC 13.0 (tests/fixtures/ptxas/*.log).
#include <gtest/gtest.h>

#include <string>

#include "jit/ptxas_report.hpp"
#include "test_support.hpp"

namespace gemmtune::jit {
namespace {

std::string fixture(const std::string& name) {
  const std::string text = test::read_bytes(std::string(GEMMTUNE_TEST_FIXTURES) + "/ptxas/" + name);
  EXPECT_FALSE(text.empty()) << "fixture " << name << " missing";
  return text;
}

TEST(PtxasReport, ParsesRegistersBarriersAndSmem) {
  const PtxasReport report = parse_ptxas_report(fixture("wgmma_setmaxnreg_smem.log"), "k");
  EXPECT_EQ(report.registers, 168);
  EXPECT_EQ(report.barriers, 1);
  EXPECT_EQ(report.smem_static_bytes, 4096);
  EXPECT_EQ(report.stack_frame_bytes, 0);
  EXPECT_EQ(report.spill_store_bytes, 0);
  EXPECT_EQ(report.spill_load_bytes, 0);
  EXPECT_TRUE(report.found());
  EXPECT_FALSE(report.spills());
  EXPECT_FALSE(report.wgmma_serialized);
  EXPECT_TRUE(report.advisories.empty());
}

TEST(PtxasReport, NoSmemFieldMeansZeroStaticSmem) {
  const PtxasReport report = parse_ptxas_report(fixture("stand_in_bn128.log"), "sm90_stand_in");
  EXPECT_EQ(report.registers, 168);
  EXPECT_EQ(report.smem_static_bytes, 0);
  EXPECT_FALSE(report.spills());
}

TEST(PtxasReport, ParsesSpills) {
  const PtxasReport report =
      parse_ptxas_report(fixture("stand_in_bn256_spills.log"), "sm90_stand_in");
  EXPECT_EQ(report.registers, 168);
  EXPECT_EQ(report.stack_frame_bytes, 176);
  EXPECT_EQ(report.spill_store_bytes, 292);
  EXPECT_EQ(report.spill_load_bytes, 288);
  EXPECT_TRUE(report.spills());
}

TEST(PtxasReport, PicksTheNamedKernelAmongSeveralAndIgnoresCallees) {
  const std::string log = fixture("two_kernels_maxrregcount64.log");
  const PtxasReport other = parse_ptxas_report(log, "other_kernel");
  EXPECT_EQ(other.registers, 10);
  EXPECT_EQ(other.barriers, 0);
  EXPECT_EQ(other.smem_static_bytes, 128);
  EXPECT_EQ(other.spill_store_bytes, 0);
  const PtxasReport spill = parse_ptxas_report(log, "spill_kernel");
  EXPECT_EQ(spill.registers, 64);
  EXPECT_EQ(spill.stack_frame_bytes, 672);
  EXPECT_EQ(spill.spill_store_bytes, 756);
  EXPECT_EQ(spill.spill_load_bytes, 756);
  // The callee _Z6helperPfi also spills, but it is not an entry function.
  const PtxasReport helper = parse_ptxas_report(log, "_Z6helperPfi");
  EXPECT_FALSE(helper.found());
  EXPECT_EQ(helper.spill_store_bytes, 80);
}

TEST(PtxasReport, DetectsSerializedWgmmaAndKeepsAdvisories) {
  const PtxasReport report = parse_ptxas_report(fixture("wgmma_serialized.log"), "sm90_stand_in");
  EXPECT_TRUE(report.wgmma_serialized);
  ASSERT_EQ(report.advisories.size(), 8u);
  EXPECT_EQ(report.advisories.front().rfind("(C7519) warpgroup.arrive is injected", 0), 0u);
  EXPECT_NE(report.advisories.back().find("(C7511)"), std::string::npos);
  EXPECT_EQ(report.registers, 168);
  EXPECT_FALSE(parse_ptxas_report(fixture("wgmma_serialized.log"), "another").wgmma_serialized);
}

TEST(PtxasReport, InjectedWaitIsAnAdvisoryButNotSerialization) {
  const PtxasReport report = parse_ptxas_report(fixture("noinline_callee.log"), "sm90_stand_in");
  EXPECT_FALSE(report.wgmma_serialized);
  ASSERT_EQ(report.advisories.size(), 1u);
  EXPECT_EQ(report.stack_frame_bytes, 256);
  EXPECT_EQ(report.spill_store_bytes, 0);
}

TEST(PtxasReport, ErrorLogAndUnknownKernelGiveNotFound) {
  EXPECT_FALSE(parse_ptxas_report(fixture("ptx_syntax_error.log"), "bad2").found());
  EXPECT_FALSE(parse_ptxas_report(fixture("stand_in_bn128.log"), "sm90_stand").found());
  EXPECT_FALSE(parse_ptxas_report("", "k").found());
}

TEST(PtxasReport, ToleratesCrLfLineEnds) {
  std::string log = fixture("wgmma_setmaxnreg_smem.log");
  for (size_t at = log.find('\n'); at != std::string::npos; at = log.find('\n', at + 2)) {
    log.insert(at, "\r");
  }
  const PtxasReport report = parse_ptxas_report(log, "k");
  EXPECT_EQ(report.registers, 168);
  EXPECT_EQ(report.smem_static_bytes, 4096);
  EXPECT_EQ(report.spill_load_bytes, 0);
}

}  // namespace
}  // namespace gemmtune::jit
