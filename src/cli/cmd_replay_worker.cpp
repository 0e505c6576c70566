// `gemmtune __replay RUN_DIR`: a worker (hidden from --help) that answers the worker protocol from
// a finished run folder instead of a GPU: the hello with the folder's GPU and versions, each
// measurement with the folder's record of the same (problem, kind, config), or `skipped` when it
// has none. With GEMMTUNE_WORKER_CMD="gemmtune __replay EXHAUSTIVE_DIR", `gemmtune sweep --budget
// default` shows what the default budget would have chosen from an exhaustive sweep's own
// measurements: no GPU, no run-to-run noise (src/sweep/README.md "Budgets").
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/json_input.hpp"
#include "report/run_folder.hpp"
#include "sweep/runs_log.hpp"
#include "sweep/worker_protocol.hpp"

namespace gemmtune::cli {
namespace {

using report::Json;

/// The folder's records by sweep::work_key(), first occurrence kept, verbatim.
std::map<std::string, Json> records_by_key(const std::filesystem::path& file) {
  std::map<std::string, Json> records;
  std::vector<std::string> warnings;
  read_json_lines<Json>(file.string(), warnings,
                        [&](Json& j, int64_t /*line*/, const std::string& where) {
                          const report::RunRecord r =
                              report::parse_run_record(j, report::JsonAt{where});
                          records.try_emplace(sweep::work_key(r.problem, r.kind, r.config),
                                              std::move(j));
                        });
  return records;
}

int serve_replay(const std::filesystem::path& dir) {
  const Json env = report::read_json_file((dir / "env.json").string());
  const std::map<std::string, Json> records = records_by_key(dir / "runs.jsonl");
  const Json environment = {{"tool_version", env.value("tool_version", Json(""))},
                            {"git_rev", env.value("git_rev", Json(""))},
                            {"gpu", env.value("gpu", Json::object())},
                            {"versions", env.value("versions", Json::object())},
                            {"replayed_from", dir.string()}};
  std::string line;
  for (LineStatus status; (status = read_bounded_line(std::cin, line)) != LineStatus::kEnd;) {
    if (status == LineStatus::kTooLong) {
      throw Error(kExitUsage, fmt::format("worker request: a line over {} bytes",
                                          kMaxJsonDocumentBytes));
    }
    const sweep::WorkerRequest request = sweep::decode_request(line);
    std::string answer;
    if (request.hello) {
      answer = sweep::encode_environment_response(request.id, environment);
    } else {
      const sweep::MeasureRequest& r = *request.measure;
      const auto it = records.find(sweep::work_key(r.problem, r.kind, r.config));
      answer = sweep::encode_record_response(
          r.id,
          it != records.end()
              ? it->second
              : sweep::make_parent_record(r.problem, r.kind, r.config,
                                          report::Disposition::kSkipped,
                                          "not measured in the replayed run " + dir.string()),
          false);
    }
    std::cout << answer << "\n" << std::flush;
  }
  return kExitOk;
}

}  // namespace

void register_replay_worker(CLI::App& root, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = root.add_subcommand(
      "__replay", "Worker answering from a finished run folder (internal; see src/sweep/README.md)");
  cmd->group("");  // NOTE: hidden from --help: started through GEMMTUNE_WORKER_CMD only
  cmd->add_option("RUN_DIR", *dir, "run folder to replay")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->callback([dir, &exit_code] { exit_code = serve_replay(*dir); });
}

}  // namespace gemmtune::cli
