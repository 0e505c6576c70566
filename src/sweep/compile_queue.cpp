// The ahead-of-GPU compile pool of the sweep.
#include "sweep/compile_queue.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>

namespace gemmtune::sweep {

int resolve_jobs(int jobs) {
  if (jobs > 0) return jobs;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

CompileQueue::CompileQueue(const std::vector<KernelConfig>& configs, CompileFn compile, int jobs)
    : compile_(std::move(compile)) {
  std::set<std::string> seen;
  for (const KernelConfig& config : configs) {
    std::string text = to_string(config);
    if (!seen.insert(text).second) continue;
    order_.push_back(std::move(text));
    configs_.push_back(config);
  }
  const int count = std::min<int>(resolve_jobs(jobs), static_cast<int>(configs_.size()));
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { work(); });
}

CompileQueue::~CompileQueue() {
  stopping_ = true;
  for (std::thread& t : threads_) t.join();
}

void CompileQueue::work() {
  for (;;) {
    if (stopping_) return;
    const size_t index = next_.fetch_add(1);
    if (index >= configs_.size()) return;
    CompileOutcome outcome;
    try {
      outcome = compile_(configs_[index]);
    } catch (const std::exception& e) {
      // NOTE: an exception leaving a thread would terminate the sweep; it is this config's failure.
      outcome = {.ok = false, .log = e.what(), .compile_seconds = 0.0, .cache_hit = false};
    }
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      done_[order_[index]] = std::move(outcome);
    }
    ready_.notify_all();
  }
}

std::optional<CompileOutcome> CompileQueue::wait(const KernelConfig& config,
                                                 const std::function<bool()>& cancelled) {
  const std::string text = to_string(config);
  if (std::find(order_.begin(), order_.end(), text) == order_.end()) return compile_(config);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto it = done_.find(text);
    if (it != done_.end()) return it->second;
    if (cancelled && cancelled()) return std::nullopt;
    ready_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

}  // namespace gemmtune::sweep
