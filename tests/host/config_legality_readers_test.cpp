// One legality check at every reader of configs: a tuning table or run folder whose entry holds
// an illegal config (block_m 999, a tile over the shared-memory limit, a `_k4096` twin chosen for
// a K = 7168 problem, N = 2111, a config text that is a path) is refused with exit 2 naming the
// file, the entry, the config and the rule: by the table and run-folder readers, by every export
// format (bundle included), compare, check and report; `accuracy --config` and `compile
// --config` refuse configs that are illegal alone (split-K out of range, `_k1`, `_k7`).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bounded_child.hpp"
#include "core/results_schema.hpp"
#include "report/run_folder.hpp"
#include "report/tuning_table.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

namespace fs = std::filesystem;
using report::Json;

/// An illegal entry: its config, its problem's N and K, and the rule that refuses it.
struct IllegalEntry {
  std::string config;
  int64_t n = 0;
  int64_t k = 0;
  std::string rule;
};

const std::vector<IllegalEntry>& illegal_entries() {
  static const std::vector<IllegalEntry> entries = {
      {"bm999_bn160_s5_mcA_sm132_rN8_sk1", 2112, 7168, "block_m"},
      {"bm256_bn256_s4_mc0_sm132_rN8_sk1", 2112, 7168, "smem"},
      {"bm128_bn128_s4_mc0_sm132_rN8_sk1_k4096", 2112, 7168, "fixed_k"},
      {"bm128_bn128_s4_mc0_sm132_rN8_sk1", 2111, 7168, "n_alignment"},
      {"../../../../tmp/x", 2112, 7168, "config_syntax"},
      {"bm0128_bn128_s4_mc0_sm132_rN8_sk1", 2112, 7168, "config_syntax"},
  };
  return entries;
}

constexpr const char* kLegalConfig = "bm64_bn128_s6_mc0_sm132_rN8_sk1";

Json fixture_env() {
  return Json::parse(test::read_text(fs::path(GEMMTUNE_TEST_FIXTURES) / "run_small" / "env.json"));
}

Json table_entry(const std::string& config) {
  return {{"m", 64}, {"config", config}, {"timing_mode", "kernel"}, {"median_us", 10.0},
          {"spread_rel", 0.01}, {"baselines", Json::object()}};
}

/// A tuning table: one legal problem, then one whose entry is `bad`.
std::string write_table(const test::TempDir& dir, const IllegalEntry& bad) {
  const Json table = {
      {"schema", std::string(kTuningTableSchema)},
      {"env", fixture_env()},
      {"problems",
       {{{"label", "legal"}, {"n", 7168}, {"k", 2048}, {"entries", {table_entry(kLegalConfig)}}},
        {{"label", "bad"}, {"n", bad.n}, {"k", bad.k}, {"entries", {table_entry(bad.config)}}}}}};
  return dir.write("table.json", table.dump(1));
}

/// A passed gemmtune record of `config` on 64 x n x k.
Json run_record(const std::string& config, int64_t n, int64_t k) {
  return {{"schema", std::string(kRunSchema)},
          {"problem", {{"label", "p"}, {"m", 64}, {"n", n}, {"k", k}}},
          {"kind", "gemmtune"},
          {"config", config},
          {"disposition", "passed"},
          {"reason", ""},
          {"timing", {{"mode", "kernel"}, {"median_us", 10.0}, {"samples", 20}, {"p10_us", 9.9},
                      {"p90_us", 10.1}, {"spread_rel", 0.02}}}};
}

/// A run folder: a legal record, then one of `bad` on its third line.
fs::path write_run_folder(const test::TempDir& dir, const IllegalEntry& bad) {
  const fs::path run = dir.path() / "run";
  fs::create_directories(run);
  std::ofstream(run / "env.json") << fixture_env().dump(1);
  std::ofstream(run / "runs.jsonl") << run_record(kLegalConfig, 7168, 2048).dump() << "\n\n"
                                    << run_record(bad.config, bad.n, bad.k).dump() << "\n";
  return run;
}

/// Checks a refusal: one line naming the file, the entry, the config and the rule.
void expect_refusal(const std::string& message, const std::string& file, const std::string& entry,
                    const IllegalEntry& bad) {
  const size_t newline = message.find('\n');
  EXPECT_TRUE(newline == std::string::npos || newline + 1 == message.size()) << message;
  for (const std::string& part : {file, entry, "config \"" + bad.config + "\"", ": " + bad.rule + ": "}) {
    EXPECT_NE(message.find(part), std::string::npos) << "no \"" << part << "\" in: " << message;
  }
}

TEST(ConfigLegalityReaders, TableReaderRefusesEachIllegalEntry) {
  for (const IllegalEntry& bad : illegal_entries()) {
    SCOPED_TRACE(bad.config);
    const test::TempDir dir;
    const std::string file = write_table(dir, bad);
    const test::CaughtError e = test::catch_error([&] { static_cast<void>(report::load_tuning_table(file)); });
    EXPECT_EQ(e.code, kExitUsage);
    expect_refusal(e.message, file, "$.problems[1].entries[0].config", bad);
  }
}

TEST(ConfigLegalityReaders, RunFolderReaderRefusesEachIllegalRecord) {
  for (const IllegalEntry& bad : illegal_entries()) {
    SCOPED_TRACE(bad.config);
    const test::TempDir dir;
    const fs::path run = write_run_folder(dir, bad);
    const test::CaughtError e = test::catch_error([&] { static_cast<void>(report::read_run_folder(run)); });
    EXPECT_EQ(e.code, kExitUsage);
    expect_refusal(e.message, (run / "runs.jsonl").string() + ":3", "$.config", bad);
  }
}

TEST(ConfigLegalityReaders, ARunOffCandidateIsCheckedToo) {
  const test::TempDir dir;
  Json table = Json::parse(test::read_text(write_table(dir, illegal_entries()[0])));
  table["problems"].erase(1);
  table["problems"][0]["entries"][0]["side_by_side"] = {
      {"median_us", 10.0},
      {"runoff", {{{"config", kLegalConfig}, {"median_us", 10.0}},
                  {{"config", "bm999_bn160_s5_mcA_sm132_rN8_sk1"}, {"median_us", 11.0}}}}};
  const std::string file = dir.write("runoff.json", table.dump());
  const test::CaughtError e = test::catch_error([&] { static_cast<void>(report::load_tuning_table(file)); });
  expect_refusal(e.message, file, "$.problems[0].entries[0].side_by_side.runoff[1].config",
                 {"bm999_bn160_s5_mcA_sm132_rN8_sk1", 0, 0, "block_m"});
}

TEST(ConfigLegalityReaders, AFailedOrSkippedRecordNeedsOnlyACanonicalConfig) {
  // `check` records the configs this GPU cannot run as skipped, and a config over a limit may be
  // what failed: those records stay readable; only a passed record can be chosen.
  for (const char* disposition : {"skipped", "compile_failed", "launch_failed"}) {
    SCOPED_TRACE(disposition);
    const test::TempDir dir;
    const fs::path run = write_run_folder(dir, illegal_entries()[0]);
    Json failed = run_record("bm256_bn256_s4_mc0_sm132_rN8_sk1", 2112, 7168);
    failed["disposition"] = disposition;
    failed.erase("timing");
    std::ofstream(run / "runs.jsonl") << run_record(kLegalConfig, 7168, 2048).dump() << "\n"
                                      << failed.dump() << "\n";
    EXPECT_EQ(report::read_run_folder(run).runs.size(), 2u);
    failed["config"] = "../x";
    std::ofstream(run / "runs.jsonl") << failed.dump() << "\n";
    const test::CaughtError e =
        test::catch_error([&] { static_cast<void>(report::read_run_folder(run)); });
    EXPECT_NE(e.message.find("config_syntax"), std::string::npos) << e.message;
  }
}

// NOTE: the binary maps ~0.75 GB before main() (cuBLASLt, NVRTC).
constexpr test::ChildCaps kReaderChildCaps{.address_space_bytes = int64_t{4} << 30, .timeout_s = 60};

struct Refused {
  test::ChildOutcome outcome;
  std::string err;
};

Refused run_cli(const test::TempDir& dir, const std::vector<std::string>& args) {
  const std::string out = (dir.path() / "cli.out").string();
  const std::string err = (dir.path() / "cli.err").string();
  const test::ChildOutcome o = test::run_program_bounded(test::gemmtune_binary(), args, out, err, kReaderChildCaps);
  return {o, test::read_text(err)};
}

TEST(ConfigLegalityReaders, EveryCommandReadingATableRefusesEachIllegalEntry) {
  for (const IllegalEntry& bad : illegal_entries()) {
    SCOPED_TRACE(bad.config);
    const test::TempDir dir;
    const std::string table = write_table(dir, bad);
    const fs::path run = write_run_folder(dir, bad);
    const std::string bundle = (dir.path() / "bundle").string();
    const std::vector<std::vector<std::string>> commands = {
        {"export", table, "--format", "json"},
        {"export", table, "--format", "csv"},
        {"export", table, "--format", "cpp"},
        {"export", table, "--format", "cublaslt"},
        {"export", table, "--format", "bundle", "--out", bundle},
        {"compare", table, table},
        {"check", "--baseline", table},
    };
    for (const std::vector<std::string>& args : commands) {
      SCOPED_TRACE(args[0] + " " + args.back());
      const Refused r = run_cli(dir, args);
      EXPECT_EQ(r.outcome.exit_code, 2) << "signal " << r.outcome.signal << ": " << r.err;
      expect_refusal(r.err, table, "$.problems[1].entries[0].config", bad);
      EXPECT_FALSE(fs::exists(bundle)) << "the bundle was written";
    }
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"export", run.string(), "--format", "json"},
                                               {"report", run.string(), "--out", (dir.path() / "r").string()}}) {
      SCOPED_TRACE(args[0] + " " + args.back());
      const Refused r = run_cli(dir, args);
      EXPECT_EQ(r.outcome.exit_code, 2) << "signal " << r.outcome.signal << ": " << r.err;
      expect_refusal(r.err, (run / "runs.jsonl").string() + ":3", "$.config", bad);
    }
  }
}

TEST(ConfigLegalityReaders, AccuracyAndCompileRefuseConfigsIllegalAlone) {
  const test::TempDir dir;
  const std::string shapes =
      dir.write("shapes.json", R"({"name": "s", "problems": [{"n": 2112, "k": 7168, "m": 64}]})");
  const std::vector<IllegalEntry> alone = {
      {"bm999_bn160_s5_mcA_sm132_rN8_sk1", 0, 0, "block_m"},
      {"bm256_bn256_s4_mc0_sm132_rN8_sk1", 0, 0, "smem"},
      {"bm128_bn128_s4_mc0_sm132_rN8_sk99", 0, 0, "split_k_range"},
      {"bm128_bn128_s4_mc0_sm132_rN8_sk1_k1", 0, 0, "k_alignment"},
      {"bm128_bn128_s4_mc0_sm132_rN8_sk1_k7", 0, 0, "k_alignment"},
      {"../../../../tmp/x", 0, 0, "config_syntax"},
  };
  for (const IllegalEntry& bad : alone) {
    SCOPED_TRACE(bad.config);
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"compile", "--config", bad.config, "--cubin-out", (dir.path() / "cubins").string()},
             {"accuracy", "--shapes", shapes, "--config", bad.config, "--out", (dir.path() / "acc").string()}}) {
      SCOPED_TRACE(args[0]);
      const Refused r = run_cli(dir, args);
      EXPECT_EQ(r.outcome.exit_code, 2) << "signal " << r.outcome.signal << ": " << r.err;
      expect_refusal(r.err, "--config", "", bad);
      EXPECT_LT(r.outcome.wall_s, 10.0);
    }
  }
}

TEST(ConfigLegalityReaders, CompileChecksItsConfigAgainstTheShapeSetGiven) {
  const test::TempDir dir;
  const std::string shapes =
      dir.write("shapes.json", R"({"name": "s", "problems": [{"n": 2112, "k": 7168, "m": 64}]})");
  const IllegalEntry twin{"bm128_bn128_s4_mc0_sm132_rN8_sk1_k4096", 0, 0, "fixed_k"};
  const Refused r = run_cli(dir, {"compile", "--shapes", shapes, "--config", twin.config});
  EXPECT_EQ(r.outcome.exit_code, 2) << "signal " << r.outcome.signal << ": " << r.err;
  expect_refusal(r.err, "--config", shapes, twin);
}

}  // namespace
}  // namespace gemmtune
