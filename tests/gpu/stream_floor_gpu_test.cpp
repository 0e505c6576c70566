// The stream floor on the device (runtime/stream_floor.hpp): every variant reads every byte (the
// measurement checks that before timing and throws otherwise), the times order sensibly, and the
// JSON carries them. Skipped without a GPU.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gpu_test_support.hpp"
#include "runtime/stream_floor.hpp"

namespace gemmtune {
namespace {

TimingOptions short_call_protocol() {
  return TimingOptions{.mode = TimingMode::kCall, .warmup_count = 2, .sample_count = 9};
}

TEST(StreamFloorGpu, EveryVariantReadsEveryByteAndTheFloorIsTheFastest) {
  GT_SKIP_WITHOUT_GPU();
  // NOTE: 256 MiB + 48 B: more than 4x the H200's L2, and not a multiple of any CTA count.
  const uint64_t bytes = (256ull << 20) + 48;
  const StreamFloor f = measure_stream_floor(bytes, short_call_protocol());
  EXPECT_EQ(f.bytes, bytes);
  ASSERT_EQ(f.variants.size(), std::size(kAllStreamVariants));
  for (const StreamFloorVariant& v : f.variants) {
    EXPECT_GE(v.timing.median_us, f.floor_us()) << to_string(v.plan.variant);
    EXPECT_GT(v.timing.median_us, f.empty_call.median_us) << to_string(v.plan.variant);
  }
  // An HBM read, not an L2 one: 256 MiB cannot come faster than ~10 TB/s on any Hopper part,
  // nor slower than 0.3 TB/s from a working stream.
  EXPECT_GT(f.tbps(), 0.3);
  EXPECT_LT(f.tbps(), 10.0);
  EXPECT_GT(f.empty_call.median_us, 0.0);
  EXPECT_LT(f.empty_call.median_us, 50.0);
}

TEST(StreamFloorGpu, SmallReadsAndJson) {
  GT_SKIP_WITHOUT_GPU();
  // Fewer bytes than one 16 KiB copy per CTA: most CTAs of the bulk variants read nothing.
  const StreamFloor f = measure_stream_floor(1000, short_call_protocol());
  EXPECT_EQ(f.bytes, 1008u);
  const nlohmann::json j = f;
  EXPECT_EQ(j.at("bytes"), 1008u);
  EXPECT_DOUBLE_EQ(j.at("floor_us").get<double>(), f.floor_us());
  EXPECT_EQ(j.at("variants").size(), std::size(kAllStreamVariants));
  EXPECT_TRUE(parse_stream_variant(j.at("fastest").get<std::string>()).has_value());
  EXPECT_FALSE(j.at("variants")[0].at("timing").contains("samples_us"));
}

}  // namespace
}  // namespace gemmtune
