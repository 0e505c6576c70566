// The stream floor's launch geometry (core/stream_floor_plan.hpp): every variant reads each byte
// exactly once, in 16-byte units, with a ring that fits. What the kernels do with it is checked
// on the GPU (tests/gpu/stream_floor_gpu_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "core/error.hpp"
#include "core/exit_codes.hpp"
#include "core/stream_floor_plan.hpp"

namespace gemmtune {
namespace {

constexpr int kH200Sms = 132;
constexpr int kH200SmemOptin = 232448;

/// The bytes support_stream_read_bulk's CTAs read under `plan` (its begin/end arithmetic).
uint64_t bulk_bytes_covered(const StreamLaunchPlan& plan) {
  uint64_t covered = 0;
  for (uint64_t cta = 0; cta < plan.grid; ++cta) {
    const uint64_t begin = std::min(cta * plan.share_bytes, plan.bytes);
    const uint64_t end = std::min(begin + plan.share_bytes, plan.bytes);
    covered += end - begin;
  }
  return covered;
}

TEST(StreamFloorPlan, NamesRoundTrip) {
  for (const StreamVariant v : kAllStreamVariants) {
    ASSERT_TRUE(parse_stream_variant(to_string(v)).has_value()) << to_string(v);
    EXPECT_EQ(*parse_stream_variant(to_string(v)), v);
  }
  EXPECT_FALSE(parse_stream_variant("memcpy").has_value());
}

TEST(StreamFloorPlan, BufferIsRoundedUpTo16Bytes) {
  EXPECT_EQ(stream_buffer_bytes(0), 0u);
  EXPECT_EQ(stream_buffer_bytes(1), 16u);
  EXPECT_EQ(stream_buffer_bytes(16), 16u);
  EXPECT_EQ(stream_buffer_bytes(119'418'880 + 3), 119'418'896u);
}

TEST(StreamFloorPlan, LdgFillsEverySmWith2048Threads) {
  const StreamLaunchPlan p = plan_stream_read(StreamVariant::kLdg, 1 << 20, kH200Sms, kH200SmemOptin);
  EXPECT_EQ(p.grid, 132u * 8);
  EXPECT_EQ(p.block, 256u);
  EXPECT_EQ(p.grid * p.block / kH200Sms, 2048u);
  EXPECT_EQ(p.smem_bytes, 0u);
  EXPECT_FALSE(p.bulk());
  EXPECT_FALSE(p.evict_first);
  EXPECT_TRUE(plan_stream_read(StreamVariant::kLdgEvictFirst, 16, kH200Sms, kH200SmemOptin).evict_first);
}

TEST(StreamFloorPlan, BulkSharesCoverEveryByteOnceIn16ByteUnits) {
  // 64 x 7168 x 16384's bytes (gemm_min_bytes, rounded up), an odd size, one byte per CTA and less.
  for (const uint64_t bytes : {119'468'032ull, 16ull * 131, 16ull * 132, 16ull * 133, 16ull, 0ull}) {
    const StreamLaunchPlan p = plan_stream_read(StreamVariant::kBulkEvictFirst, bytes, kH200Sms, kH200SmemOptin);
    EXPECT_TRUE(p.bulk());
    EXPECT_TRUE(p.evict_first);
    EXPECT_EQ(p.grid, 132u);
    EXPECT_EQ(p.block, 32u);
    EXPECT_EQ(p.share_bytes % 16, 0u) << bytes;
    EXPECT_EQ(p.chunk_bytes % 16, 0u);
    EXPECT_EQ(bulk_bytes_covered(p), bytes) << bytes;
    // No CTA's share is more than 16 bytes above an even split.
    EXPECT_LE(p.share_bytes, (bytes + p.grid - 1) / p.grid + 15) << bytes;
  }
}

TEST(StreamFloorPlan, BulkRingFitsTheOptInSharedMemoryOrIsRefused) {
  const StreamLaunchPlan p = plan_stream_read(StreamVariant::kBulk, 1 << 20, kH200Sms, kH200SmemOptin);
  EXPECT_EQ(p.smem_bytes, p.stages * p.chunk_bytes + 8 * p.stages);
  EXPECT_LE(p.smem_bytes, static_cast<uint32_t>(kH200SmemOptin));
  try {
    (void)plan_stream_read(StreamVariant::kBulk, 1 << 20, kH200Sms, 48 << 10);
    FAIL() << "a 192 KiB ring planned into 48 KiB";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
  }
}

TEST(StreamFloorPlan, RefusesUnalignedBytesAndNoSms) {
  EXPECT_THROW((void)plan_stream_read(StreamVariant::kLdg, 17, kH200Sms, kH200SmemOptin), Error);
  EXPECT_THROW((void)plan_stream_read(StreamVariant::kBulk, 16, 0, kH200SmemOptin), Error);
}

}  // namespace
}  // namespace gemmtune
