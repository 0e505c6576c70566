// The stream floor on the device (runtime/stream_floor.hpp): every variant reads every byte (the
// measurement checks that before timing and throws otherwise), the times order sensibly, and the
// JSON carries them. Skipped without a GPU.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gpu_test_support.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/stream_floor.hpp"
#include "runtime/stream_read.hpp"

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

// Both flush kinds (core/timing_mode.hpp FlushKind) must evict what the call reads: a 16 MiB read
// that the unflushed samples find in the L2 must come slower behind either flush, and the
// timing says which flush it ran behind. Fails if the read flush leaves the buffer in the L2.
TEST(StreamFloorGpu, ReadAndWriteFlushesBothEvictTheL2) {
  GT_SKIP_WITHOUT_GPU();
  int device = 0, sm_count = 0, smem_optin = 0;
  GT_CUDA_CHECK(cudaGetDevice(&device));
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, device));
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&smem_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  const uint64_t bytes = 16ull << 20;
  const DeviceBuffer buffer(bytes);
  const DeviceBuffer sum(sizeof(uint64_t));
  GT_CUDA_CHECK(cudaMemset(buffer.get(), 1, bytes));
  const StreamLaunchPlan plan = plan_stream_read(StreamVariant::kLdg, bytes, sm_count, smem_optin);
  prepare_stream_read(plan);
  const TimedLaunch read{"16 MiB read", [&](cudaStream_t s) {
                           launch_stream_read(plan, buffer.get(), sum.as<uint64_t>(), s);
                         }};
  auto median_us = [&](bool flush, FlushKind kind) {
    TimingOptions o = short_call_protocol();
    o.flush_l2 = flush;
    o.flush_kind = kind;
    o.sample_count = 15;
    Timer timer(o);
    const TimingStats t = timer.time(read);
    const nlohmann::json j = t;
    EXPECT_EQ(j.at("flushed_l2"), flush);
    EXPECT_EQ(j.at("flush"), to_string(kind));
    return t.median_us;
  };
  const double in_l2 = median_us(false, FlushKind::kWrite);
  const double after_write = median_us(true, FlushKind::kWrite);
  const double after_read = median_us(true, FlushKind::kRead);
  EXPECT_GT(after_write, 1.2 * in_l2) << "write flush: " << after_write << " µs, unflushed " << in_l2;
  EXPECT_GT(after_read, 1.2 * in_l2) << "read flush: " << after_read << " µs, unflushed " << in_l2;
}

}  // namespace
}  // namespace gemmtune
