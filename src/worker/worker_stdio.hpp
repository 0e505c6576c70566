#pragma once
/// `gemmtune __worker` (src/sweep/README.md "Fault isolation"): the worker protocol
/// (sweep/worker_protocol.hpp) on this process's stdin and stdout. It answers the hello with its
/// GPU (device 0: the sweep starts it with CUDA_VISIBLE_DEVICES naming one GPU), the library
/// versions and the GPU's roofs, then measures each request with a WorkerService, one answer line
/// each, until EOF. After a CUDA fault it answers, then exits: its context is dead and the sweep
/// starts a fresh worker.

namespace gemmtune::worker {

/// Serves requests until EOF; returns the process's exit code (kExitOk, kExitCudaError after a
/// fault, or the hello's error code, e.g. kExitNoGpu).
/// NOTE: stdout belongs to the protocol: fd 1 becomes stderr for the rest of the process, so that
/// a library printing to stdout cannot corrupt an answer.
[[nodiscard]] int serve_worker_stdio();

}  // namespace gemmtune::worker
