// The sweep's pool of workers, one per GPU: start and hello, the problem queue, one thread each.
#include "sweep/gpu_pool.hpp"

#include <atomic>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "sweep/measure_loop.hpp"
#include "sweep/shard.hpp"

namespace gemmtune::sweep {
namespace {

using report::Json;

// NOTE: the hello also pays for the worker's CUDA context and the first JIT build of the support
// kernels (several seconds on a cold cache), once per sweep: it gets at least this long.
constexpr double kHelloTimeoutS = 120.0;

/// Asks the worker which GPU it measures on; its error (no GPU) becomes this sweep's error.
Json hello(WorkerProcess& worker, const SweepOptions& options, const InterruptGuard& guard) {
  const auto deadline = after_seconds(std::max(kHelloTimeoutS, options.watchdog_base_s));
  const Exchange ex = worker.exchange(encode_hello(0), deadline, {.interrupt_fd = guard.fd()});
  const std::string command = "`" + worker.command() + "`";
  switch (ex.status) {
    case ExchangeStatus::kLine: break;
    case ExchangeStatus::kInterrupted: throw Error(kExitInterrupted, "interrupted");
    case ExchangeStatus::kExited:
      throw Error(kExitCudaError, "the worker " + command + " did not start: " + ex.exit_reason);
    default:
      throw Error(kExitCudaError, "the worker " + command + " did not answer its hello");
  }
  const WorkerResponse response = decode_response(ex.line, 0);
  if (response.error) {
    throw Error(static_cast<ExitCode>(response.exit_code), *response.error);
  }
  if (!response.malformed.empty() || !response.environment.is_object()) {
    throw Error(kExitCudaError, "the worker " + command + " answered its hello with " +
                                    (response.malformed.empty() ? "no environment"
                                                                : response.malformed));
  }
  return response.environment;
}

/// CUDA_VISIBLE_DEVICES for the worker of `ordinal`: the ordinal-th entry of this process's own
/// CUDA_VISIBLE_DEVICES when that is set (ordinals count the GPUs this process sees), else the
/// ordinal.
std::string visible_device(int ordinal) {
  const char* inherited = std::getenv("CUDA_VISIBLE_DEVICES");
  if (inherited != nullptr && *inherited != '\0') {
    std::vector<std::string> entries;
    std::istringstream list(inherited);
    for (std::string entry; std::getline(list, entry, ',');) entries.push_back(entry);
    if (ordinal >= 0 && static_cast<size_t>(ordinal) < entries.size()) return entries[ordinal];
  }
  return std::to_string(ordinal);
}

/// gpu.<key> of a hello answer as text ("" when absent).
std::string gpu_text(const Json& environment, const char* key) {
  const Json gpu = environment.value("gpu", Json::object());
  const Json v = gpu.is_object() ? gpu.value(key, Json()) : Json();
  return v.is_string() ? v.get<std::string>() : "";
}

/// The queue of problems (plan indices) the workers take from. A problem given back by a worker
/// leaving the pool goes to the front; a free worker waits while others still hold problems,
/// since one of them may give its problem back.
class ProblemQueue {
 public:
  explicit ProblemQueue(const std::vector<size_t>& order) : queue_(order.begin(), order.end()) {}

  /// The next problem and its 1-based hand-out number; nullopt when none is left (or stop()).
  std::optional<std::pair<size_t, int64_t>> take(const InterruptGuard& guard) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (stopped_ || guard.interrupted()) return std::nullopt;
      if (!queue_.empty()) {
        const size_t index = queue_.front();
        queue_.pop_front();
        ++holding_;
        return std::make_pair(index, ++handed_out_);
      }
      if (holding_ == 0) return std::nullopt;
      changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }
  /// The next problem if one is queued now, without waiting; nullopt otherwise. For a worker
  /// that holds a problem of its own: waiting, it would wait for itself.
  std::optional<std::pair<size_t, int64_t>> try_take(const InterruptGuard& guard) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_ || guard.interrupted() || queue_.empty()) return std::nullopt;
    const size_t index = queue_.front();
    queue_.pop_front();
    ++holding_;
    return std::make_pair(index, ++handed_out_);
  }
  /// The problem taken is finished (or abandoned on Ctrl-C).
  void done() { release(std::nullopt); }
  /// The problem taken goes back to the front of the queue.
  void give_back(size_t index) { release(index); }
  /// Every waiting and later take() returns nullopt.
  void stop() {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }
  [[nodiscard]] size_t left() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
  }

 private:
  void release(std::optional<size_t> index) {
    const std::lock_guard<std::mutex> lock(mutex_);
    --holding_;
    if (index) queue_.push_front(*index);
    changed_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<size_t> queue_;
  int holding_ = 0;
  int64_t handed_out_ = 0;
  bool stopped_ = false;
};

/// One GPU's thread: takes problems until none is left, Ctrl-C, or its worker keeps failing.
/// Problems overlap by one: after a problem's head (its configs and baselines) the thread
/// measures the next problem's head before the first's tail (its leaders' twins and run-off),
/// so that the twins, chosen only once the screening is done, compile while the GPU works.
void drive_worker(const SweepOptions& options, GpuWorker& worker, size_t lane,
                  const std::vector<ProblemWork>& plan, ProblemQueue& queue,
                  const PoolContext& pool, std::atomic<int>& pool_gpus, SweepOutcome& tally) {
  const Json gpu = {{"ordinal", worker.ordinal},
                    {"name", gpu_text(worker.environment, "name")},
                    {"pci_bus_id", gpu_text(worker.environment, "pci_bus_id")}};
  MeasureLoop loop(options, {.worker = *worker.process, .ledger = pool.ledger,
                             .compiles = pool.compiles, .guard = pool.guard,
                             .progress = pool.progress, .lane = lane, .gpu = gpu,
                             .pool_gpus = &pool_gpus});
  const auto count = static_cast<int64_t>(plan.size());
  using Taken = std::pair<size_t, int64_t>;
  std::optional<Taken> pending;  // a problem whose head is measured, its tail not yet
  // Ends the thread's work after `end` (not kDone) with the problems it holds: abandoned on
  // Ctrl-C (the folder resumes them), given back when the worker keeps failing.
  const auto stop = [&](ProblemEnd end, std::vector<size_t> held) {
    if (end != ProblemEnd::kWorkerFailing) {
      for (size_t i = 0; i < held.size(); ++i) queue.done();
      return;
    }
    // NOTE: the failures that took the GPU out are measured again by another worker (once: a
    // second failure there is recorded as the config's); their records here stay.
    const std::vector<std::string> again = pool.ledger.give_back(loop.failure_streak());
    for (const size_t index : held) queue.give_back(index);
    pool.progress.retire(lane);
    pool.progress.break_line();
    spdlog::warn("gpu {}: its worker failed {} times in a row (last: {}); GPU taken out of the "
                 "pool, {} measurement(s) and its problem(s) go to the other GPUs",
                 worker.ordinal, kMaxConsecutiveWorkerFailures,
                 loop.failure_streak().empty() ? "" : loop.failure_streak().back(), again.size());
    worker.process->kill();
  };
  for (;;) {
    const std::optional<Taken> taken = pending ? queue.try_take(pool.guard) : queue.take(pool.guard);
    if (!taken) {
      if (!pending) break;
      const size_t index = pending->first;
      const ProblemEnd end = loop.run_tail(plan[index], pending->second);
      pending.reset();
      if (end != ProblemEnd::kDone) {
        stop(end, {index});
        break;
      }
      queue.done();
      continue;  // a blocking take now: another GPU may still give a problem back
    }
    std::vector<size_t> held = {taken->first};
    if (pending) held.push_back(pending->first);
    ProblemEnd end = loop.run_head(plan[taken->first], taken->second, count);
    if (end == ProblemEnd::kDone && pending) {
      end = loop.run_tail(plan[pending->first], pending->second);
      if (end == ProblemEnd::kDone) {
        queue.done();
        held.pop_back();
      }
    }
    if (end != ProblemEnd::kDone) {
      stop(end, held);
      break;
    }
    pending = taken;
  }
  tally = loop.tally();
}

}  // namespace

std::optional<std::vector<int>> parse_gpu_list(const std::string& text, int visible,
                                               std::string& error) {
  std::vector<int> ordinals;
  if (text == "all") {
    for (int i = 0; i < std::max(visible, 1); ++i) ordinals.push_back(i);
    return ordinals;
  }
  std::istringstream list(text);
  for (std::string entry; std::getline(list, entry, ',');) {
    const bool digits = !entry.empty() && entry.size() <= 4 &&
                        entry.find_first_not_of("0123456789") == std::string::npos;
    const int ordinal = digits ? std::stoi(entry) : -1;
    if (!digits || (visible >= 0 && ordinal >= visible)) {
      error = fmt::format("--gpus {}: \"{}\" is not a GPU ordinal{}", text, entry,
                          visible >= 0 ? fmt::format(" (0..{} are visible)", visible - 1) : "");
      return std::nullopt;
    }
    if (std::find(ordinals.begin(), ordinals.end(), ordinal) != ordinals.end()) {
      error = fmt::format("--gpus {}: GPU {} is named twice", text, ordinal);
      return std::nullopt;
    }
    ordinals.push_back(ordinal);
  }
  if (ordinals.empty() || text.back() == ',') {
    error = "--gpus: expected all or a comma-separated list of GPU ordinals, got \"" + text + "\"";
    return std::nullopt;
  }
  return ordinals;
}

std::vector<GpuWorker> start_gpu_workers(const SweepOptions& options,
                                         const InterruptGuard& guard) {
  const std::vector<int> ordinals = options.gpus.empty() ? std::vector<int>{0} : options.gpus;
  std::vector<GpuWorker> workers(ordinals.size());
  std::vector<std::exception_ptr> errors(ordinals.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ordinals.size(); ++i) {
    workers[i].ordinal = ordinals[i];
    std::vector<std::string> environment;
    if (!options.gpus.empty()) {
      environment.push_back("CUDA_VISIBLE_DEVICES=" + visible_device(ordinals[i]));
    }
    workers[i].process = std::make_unique<WorkerProcess>(options.worker_argv, environment);
    workers[i].process->ensure_started();
  }
  for (size_t i = 0; i < workers.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        workers[i].environment = hello(*workers[i].process, options, guard);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<GpuWorker> started;
  for (size_t i = 0; i < workers.size(); ++i) {
    if (!errors[i]) {
      started.push_back(std::move(workers[i]));
      continue;
    }
    if (std::all_of(errors.begin(), errors.end(), [](const auto& e) { return e != nullptr; })) {
      std::rethrow_exception(errors[i]);
    }
    try {
      std::rethrow_exception(errors[i]);
    } catch (const std::exception& e) {
      spdlog::warn("gpu {}: left out of the sweep: {}", workers[i].ordinal, e.what());
    }
  }
  const std::string model = gpu_text(started.front().environment, "name");
  for (const GpuWorker& w : started) {
    const std::string name = gpu_text(w.environment, "name");
    if (name == model) continue;
    const std::string message =
        fmt::format("the GPUs are of different models (gpu {}: \"{}\", gpu {}: \"{}\"): a tuning "
                    "table is for one model; pick one model with --gpus",
                    started.front().ordinal, model, w.ordinal, name);
    if (!options.force) throw Error(kExitUsage, message + " (or pass --force)");
    spdlog::warn("{}; measuring on all of them anyway (--force)", message);
    break;
  }
  return started;
}

Json gpus_json(const std::vector<GpuWorker>& workers) {
  Json gpus = Json::array();
  for (const GpuWorker& w : workers) {
    Json gpu = Json::object();
    const Json hello_gpu = w.environment.value("gpu", Json::object());
    if (hello_gpu.is_object()) {
      for (const auto& [key, value] : hello_gpu.items()) gpu[key] = value;
    }
    // NOTE: after the hello's fields: its "ordinal" is the device's inside the worker, which
    // sees only its own GPU (always 0); records and env.json name the pool's (sweep --gpus).
    gpu["ordinal"] = w.ordinal;
    gpu["cuda_visible_devices"] = visible_device(w.ordinal);
    // NOTE: each GPU's own roofs; env.json's top-level `roofs` are the first GPU's.
    if (w.environment.contains("roofs")) gpu["roofs"] = w.environment.at("roofs");
    gpus.push_back(gpu);
  }
  return gpus;
}

std::vector<size_t> hand_out_order(const std::vector<ProblemWork>& plan, size_t gpus) {
  std::vector<size_t> order(plan.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (gpus <= 1) return order;
  std::vector<int64_t> cost_ns(plan.size());
  for (size_t i = 0; i < plan.size(); ++i) cost_ns[i] = predicted_cost_ns(plan[i]);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return cost_ns[a] > cost_ns[b]; });
  return order;
}

size_t run_on_gpus(const SweepOptions& options, std::vector<GpuWorker>& workers,
                 const std::vector<ProblemWork>& plan, const std::vector<size_t>& order,
                 const PoolContext& pool, SweepOutcome& outcome) {
  ProblemQueue queue(order);
  std::atomic<int> pool_gpus{static_cast<int>(workers.size())};
  std::vector<SweepOutcome> tallies(workers.size());
  std::vector<std::exception_ptr> errors(workers.size());
  std::vector<std::thread> threads;
  for (size_t lane = 0; lane < workers.size(); ++lane) {
    threads.emplace_back([&, lane] {
      try {
        drive_worker(options, workers[lane], lane, plan, queue, pool, pool_gpus, tallies[lane]);
      } catch (...) {
        errors[lane] = std::current_exception();
        queue.stop();  // NOTE: the others finish their request in flight and stop
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const SweepOutcome& t : tallies) {
    outcome.recorded += t.recorded;
    outcome.already_recorded += t.already_recorded;
    outcome.compile_failed += t.compile_failed;
    outcome.faulted += t.faulted;
    outcome.timed_out += t.timed_out;
    outcome.time += t.time;  // NOTE: GPU-seconds: each GPU's loop adds its own
    outcome.interrupted = outcome.interrupted || t.interrupted;
  }
  for (GpuWorker& w : workers) outcome.worker_starts += w.process->starts();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  outcome.interrupted = outcome.interrupted || pool.guard.interrupted();
  return outcome.interrupted ? 0 : queue.left();
}

}  // namespace gemmtune::sweep
