// The ahead-of-GPU compile pool of the sweep.
#include "sweep/compile_queue.hpp"

#include "core/parallel.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>

namespace gemmtune::sweep {

int resolve_jobs(int jobs) {
  if (jobs > 0) return jobs;
  return static_cast<int>(core_count());
}

CompileQueue::CompileQueue(const std::vector<KernelConfig>& configs, CompileFn compile, int jobs,
                           int prefetch_threads)
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
  for (int i = 0; i < std::max(1, prefetch_threads); ++i) {
    prefetchers_.emplace_back([this] { prefetch_work(); });
  }
}

CompileQueue::~CompileQueue() {
  stopping_ = true;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    prefetch_stopping_ = true;
  }
  prefetch_ready_.notify_all();
  for (std::thread& t : threads_) t.join();
  for (std::thread& t : prefetchers_) t.join();
}

namespace {

CompileOutcome compile_caught(const CompileFn& compile, const KernelConfig& config) {
  try {
    return compile(config);
  } catch (const std::exception& e) {
    // NOTE: an exception leaving a thread would terminate the sweep; it is this config's failure.
    return {.ok = false, .log = e.what(), .compile_seconds = 0.0, .cache_hit = false};
  }
}

}  // namespace

void CompileQueue::work() {
  for (;;) {
    if (stopping_) return;
    // NOTE: a prefetched config is wanted by the problem being measured now, the queue's next one
    // by a problem further ahead: the urgent one first, on every thread. When the queue is done the
    // pool keeps serving prefetches (the leaders' twins at the end of a sweep would otherwise wait
    // for the prefetch threads alone while the GPU idles).
    if (std::optional<KernelConfig> urgent = take_prefetched()) {
      build_claimed(*urgent);
      continue;
    }
    const size_t index = next_.fetch_add(1);
    if (index >= configs_.size()) {
      prefetch_work();
      return;
    }
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!claimed_.insert(order_[index]).second) continue;  // prefetched out of turn
    }
    build_claimed(configs_[index]);
  }
}

std::optional<KernelConfig> CompileQueue::take_prefetched() {
  const std::lock_guard<std::mutex> lock(mutex_);
  while (!prefetch_queue_.empty()) {
    KernelConfig config = prefetch_queue_.front();
    prefetch_queue_.pop_front();
    if (claimed_.insert(to_string(config)).second) return config;  // else the queue got there first
  }
  return std::nullopt;
}

void CompileQueue::build_claimed(const KernelConfig& config) {
  CompileOutcome outcome = compile_caught(compile_, config);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    done_[to_string(config)] = std::move(outcome);
  }
  ready_.notify_all();
}

void CompileQueue::prefetch(const KernelConfig& config) {
  std::string text = to_string(config);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (claimed_.count(text) != 0 || !prefetched_.insert(std::move(text)).second) return;
    prefetch_queue_.push_back(config);
  }
  prefetch_ready_.notify_one();
}

void CompileQueue::prefetch_work() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      prefetch_ready_.wait(lock, [this] { return prefetch_stopping_ || !prefetch_queue_.empty(); });
      if (prefetch_stopping_) return;
    }
    if (std::optional<KernelConfig> config = take_prefetched()) build_claimed(*config);
  }
}

CompileTotals CompileQueue::totals() {
  const std::lock_guard<std::mutex> lock(mutex_);
  CompileTotals t;
  for (const auto& [config, outcome] : done_) {
    if (outcome.cache_hit) {
      ++t.cache_hits;
    } else {
      ++t.compiles;
      t.compile_cpu_s += outcome.compile_seconds;
    }
  }
  return t;
}

std::optional<CompileOutcome> CompileQueue::wait(const KernelConfig& config,
                                                 const std::function<bool()>& cancelled) {
  const std::string text = to_string(config);
  std::unique_lock<std::mutex> lock(mutex_);
  const bool queued = std::find(order_.begin(), order_.end(), text) != order_.end();
  if (!queued && prefetched_.count(text) == 0) {
    lock.unlock();
    return compile_(config);
  }
  for (;;) {
    const auto it = done_.find(text);
    if (it != done_.end()) return it->second;
    if (cancelled && cancelled()) return std::nullopt;
    ready_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

}  // namespace gemmtune::sweep
