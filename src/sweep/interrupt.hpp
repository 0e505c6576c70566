#pragma once
/// Ctrl-C for a long sweep: while an InterruptGuard lives, SIGINT and SIGTERM set a flag and make
/// a self-pipe readable (so a poll() on the worker wakes up on any thread's signal), and SIGPIPE
/// is ignored (a dead worker's pipe is an outcome, not a reason to die). The previous handlers
/// come back when the guard goes.
namespace gemmtune::sweep {

/// Installs the handlers; one guard at a time per process.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  /// True once SIGINT or SIGTERM arrived.
  [[nodiscard]] bool interrupted() const;
  /// Readable once interrupted (for poll()).
  [[nodiscard]] int fd() const;
};

}  // namespace gemmtune::sweep
