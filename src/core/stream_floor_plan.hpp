#pragma once
/// The stream floor's launches (kernels/support_stream.cuh; src/runtime/README.md "The stream
/// floor"): how the read-only streams that bound a memory-bound GEMM split a buffer over the GPU.
/// Pure host code, so the geometry is tested without a GPU; runtime/stream_floor.hpp launches what
/// it says.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/support_params.h"

namespace gemmtune {

/// The ways of reading the buffer. The floor is the fastest of them: no one way is fastest at
/// every size on every card, and the floor must not depend on a guess.
///   ldg:  16-byte loads from every thread of 8 CTAs of 256 threads per SM, 8 in flight each;
///   bulk: cp.async.bulk copies (TMA, the GEMM kernels' load path) into a ring of shared memory,
///         one CTA per SM, each reading one contiguous share;
///   *_evict_first: the same under the L2 evict-first policy of the GEMM's streamed B loads.
enum class StreamVariant { kLdg, kLdgEvictFirst, kBulk, kBulkEvictFirst };

inline constexpr StreamVariant kAllStreamVariants[] = {
    StreamVariant::kLdg, StreamVariant::kLdgEvictFirst, StreamVariant::kBulk,
    StreamVariant::kBulkEvictFirst};

/// "ldg", "ldg_evict_first", "bulk", "bulk_evict_first".
[[nodiscard]] const char* to_string(StreamVariant variant);
[[nodiscard]] std::optional<StreamVariant> parse_stream_variant(std::string_view name);

/// ldg: CTAs per SM (of kGemmtuneStreamLdgThreads, kernels/support_params.h): 2048 threads.
inline constexpr int kStreamLdgCtasPerSm = 8;
/// bulk: bytes per copy and copies in flight per CTA. 12 x 16 KiB in flight per SM is ~25 MiB
/// over 132 SMs, several times what the HBM's bandwidth x latency (~4.5 TB/s x ~2 µs) needs.
inline constexpr uint32_t kStreamBulkChunkBytes = 16u << 10;
inline constexpr uint32_t kStreamBulkStages = 12;
/// The kernels' alignment: buffers and shares in multiples of 16 bytes (cp.async.bulk, uint4).
inline constexpr uint64_t kStreamAlignBytes = 16;

/// One launch of a stream kernel (support_stream_read_ldg or _bulk) over `bytes`.
struct StreamLaunchPlan {
  StreamVariant variant = StreamVariant::kLdg;
  uint64_t bytes = 0;            ///< multiple of kStreamAlignBytes
  uint32_t grid = 0;             ///< CTAs
  uint32_t block = 0;            ///< threads per CTA
  uint32_t smem_bytes = 0;       ///< dynamic shared memory per CTA
  uint64_t share_bytes = 0;      ///< bulk: contiguous bytes per CTA (the last may read fewer)
  uint32_t chunk_bytes = 0;      ///< bulk: bytes per copy
  uint32_t stages = 0;           ///< bulk: copies in flight per CTA
  bool evict_first = false;
  [[nodiscard]] bool bulk() const {
    return variant == StreamVariant::kBulk || variant == StreamVariant::kBulkEvictFirst;
  }
};

/// `bytes` rounded up to kStreamAlignBytes: the buffer a floor of `bytes` reads.
[[nodiscard]] uint64_t stream_buffer_bytes(uint64_t bytes);

/// The launch of `variant` over `bytes` (a multiple of kStreamAlignBytes; 0: an empty launch of
/// the same grid) on a GPU of `sm_count` SMs with `smem_per_block_bytes` of opt-in shared
/// memory. Throws Error(kExitUsage) for bytes not aligned, sm_count < 1, or a bulk ring that
/// does not fit in shared memory.
[[nodiscard]] StreamLaunchPlan plan_stream_read(StreamVariant variant, uint64_t bytes, int sm_count,
                                                int smem_per_block_bytes);

}  // namespace gemmtune
