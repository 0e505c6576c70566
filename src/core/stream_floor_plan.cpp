#include "core/stream_floor_plan.hpp"

#include <fmt/format.h>

#include "core/enum_names.hpp"
#include "core/error.hpp"

namespace gemmtune {
namespace {

constexpr EnumNames<StreamVariant, 4> kVariantNames{{{
    {StreamVariant::kLdg, "ldg"},
    {StreamVariant::kLdgEvictFirst, "ldg_evict_first"},
    {StreamVariant::kBulk, "bulk"},
    {StreamVariant::kBulkEvictFirst, "bulk_evict_first"},
}}};

}  // namespace

const char* to_string(StreamVariant variant) { return kVariantNames.name(variant); }

std::optional<StreamVariant> parse_stream_variant(std::string_view name) {
  return kVariantNames.parse(name);
}

uint64_t stream_buffer_bytes(uint64_t bytes) {
  return (bytes + kStreamAlignBytes - 1) / kStreamAlignBytes * kStreamAlignBytes;
}

StreamLaunchPlan plan_stream_read(StreamVariant variant, uint64_t bytes, int sm_count,
                                  int smem_per_block_bytes) {
  GT_CHECK(bytes % kStreamAlignBytes == 0, kExitUsage,
           fmt::format("stream floor: {} bytes is not a multiple of {}", bytes, kStreamAlignBytes));
  GT_CHECK(sm_count >= 1, kExitUsage, fmt::format("stream floor: {} SMs", sm_count));
  StreamLaunchPlan plan{.variant = variant, .bytes = bytes};
  plan.evict_first =
      variant == StreamVariant::kLdgEvictFirst || variant == StreamVariant::kBulkEvictFirst;
  if (!plan.bulk()) {
    plan.grid = static_cast<uint32_t>(sm_count * kStreamLdgCtasPerSm);
    plan.block = kGemmtuneStreamLdgThreads;
    return plan;
  }
  plan.grid = static_cast<uint32_t>(sm_count);
  plan.block = 32;
  plan.chunk_bytes = kStreamBulkChunkBytes;
  plan.stages = kStreamBulkStages;
  // NOTE: the ring, then one 8-byte mbarrier per stage (support_stream.cuh).
  const uint64_t smem = uint64_t{plan.stages} * plan.chunk_bytes + 8ull * plan.stages;
  GT_CHECK(smem <= static_cast<uint64_t>(smem_per_block_bytes), kExitUsage,
           fmt::format("stream floor: a ring of {} B does not fit in {} B of shared memory", smem,
                       smem_per_block_bytes));
  plan.smem_bytes = static_cast<uint32_t>(smem);
  const uint64_t per_cta = (bytes + plan.grid - 1) / plan.grid;
  plan.share_bytes = stream_buffer_bytes(per_cta);
  return plan;
}

}  // namespace gemmtune
