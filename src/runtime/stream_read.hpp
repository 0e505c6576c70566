#pragma once
/// One launch of a read-only stream kernel (kernels/support_stream.cuh) as core/stream_floor_plan
/// plans it. The one launcher for the stream floor's variants (runtime/stream_floor.hpp) and the
/// timer's read flush (runtime/timing.hpp, FlushKind::kRead).
#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/stream_floor_plan.hpp"
#include "runtime/module.hpp"

namespace gemmtune {

/// Raises the dynamic shared memory limit of `plan`'s kernel to the plan's where that is over the
/// default 48 KiB. Once per plan, before its first launch (not per launch: it is a driver call).
void prepare_stream_read(const StreamLaunchPlan& plan);

/// Enqueues `plan` over `src` (plan.bytes readable, 16-byte aligned) on `stream`; the kernel adds
/// what it counted to `*sum` (ldg: the sum of the 32-bit words read; bulk: the bytes landed).
void launch_stream_read(const StreamLaunchPlan& plan, const void* src, uint64_t* sum,
                        cudaStream_t stream);

}  // namespace gemmtune
