// Compiler child processes for the sweep's compile queue (compiler_pool.hpp says why).
#include "sweep/compiler_pool.hpp"

#include <utility>

#include "core/error.hpp"
#include "report/json_fields.hpp"

namespace gemmtune::sweep {

std::string encode_compile_answer(const std::string& config, const CompileOutcome& outcome) {
  const report::Json answer{{"config", config},
                            {"ok", outcome.ok},
                            {"log", outcome.log},
                            {"compile_seconds", outcome.compile_seconds},
                            {"cache_hit", outcome.cache_hit}};
  // NOTE: replace, not throw, on invalid UTF-8 in a compiler log: the answer must stay one line.
  return answer.dump(-1, ' ', false, report::Json::error_handler_t::replace);
}

std::optional<CompileOutcome> decode_compile_answer(const std::string& line,
                                                   const std::string& config, std::string* error) {
  const auto fail = [&](const char* why) -> std::optional<CompileOutcome> {
    if (error != nullptr) *error = std::string(why) + ": " + line.substr(0, 200);
    return std::nullopt;
  };
  const report::Json answer = report::Json::parse(line, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) return fail("an answer that is not JSON");
  if (answer.value("config", std::string()) != config) return fail("an answer for another config");
  const report::Json ok = answer.value("ok", report::Json());
  const report::Json log = answer.value("log", report::Json());
  const report::Json seconds = answer.value("compile_seconds", report::Json());
  const report::Json hit = answer.value("cache_hit", report::Json());
  if (!ok.is_boolean() || !log.is_string() || !seconds.is_number() || !hit.is_boolean()) {
    return fail("an answer without ok, log, compile_seconds and cache_hit");
  }
  return CompileOutcome{.ok = ok.get<bool>(),
                        .log = log.get<std::string>(),
                        .compile_seconds = seconds.get<double>(),
                        .cache_hit = hit.get<bool>()};
}

std::vector<std::string> default_compiler_argv(const std::string& log_level) {
  std::vector<std::string> argv{"/proc/self/exe"};
  if (!log_level.empty()) argv.insert(argv.end(), {"--log-level", log_level});
  argv.push_back("__compiler");
  return argv;
}

CompilerPool::~CompilerPool() {
  const std::lock_guard<std::mutex> lock(mutex_);
  for (std::unique_ptr<WorkerProcess>& process : idle_) process->stop(2.0);
}

int CompilerPool::starts() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return starts_;
}

CompileOutcome CompilerPool::compile(const KernelConfig& config) {
  std::unique_ptr<WorkerProcess> process;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      process = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!process) process = std::make_unique<WorkerProcess>(argv_);
  const std::string text = to_string(config);
  const auto failed = [&](const std::string& why) {
    return CompileOutcome{.ok = false, .log = "compiler process: " + why, .compile_seconds = 0.0,
                          .cache_hit = false};
  };
  try {
    if (!process->running()) {
      process->ensure_started();
      const std::lock_guard<std::mutex> lock(mutex_);
      ++starts_;
    }
  } catch (const Error& e) {
    return failed(e.what());
  }
  const Exchange ex = process->exchange(text, after_seconds(kCompileLimitS), {});
  std::string error;
  std::optional<CompileOutcome> answer;
  switch (ex.status) {
    case ExchangeStatus::kLine:
      answer = decode_compile_answer(ex.line, text, &error);
      break;
    case ExchangeStatus::kTimedOut:
      error = "no answer within " + std::to_string(static_cast<int>(kCompileLimitS)) + " s";
      break;
    case ExchangeStatus::kExited:
      error = ex.exit_reason + " while compiling";
      break;
    case ExchangeStatus::kTooLong:
      error = "an answer longer than 16 MiB";
      break;
    case ExchangeStatus::kInterrupted:
      error = "interrupted";
      break;
  }
  if (!answer) {
    // NOTE: a process that did not answer in kind is not trusted with the next config.
    process->kill();
    return failed(error);
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(process));
  return *answer;
}

}  // namespace gemmtune::sweep
