// A systematic pass over every JSON reader of the tool (issue 15): shape sets, config spaces,
// tuning tables, env.json, runs.jsonl, worker requests and responses each read a corpus of
// hostile documents (json_fuzz_corpus.hpp). Each document must be accepted or refused with a
// clean input error (gemmtune::Error, exit code 2, one line naming the source): no other
// exception, no crash, and bounded time and memory (the pass runs in a capped child process).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <sstream>

#include "bounded_child.hpp"
#include "core/config_space.hpp"
#include "core/shape_set.hpp"
#include "json_fuzz_corpus.hpp"
#include "report/run_folder.hpp"
#include "report/tuning_table.hpp"
#include "report_test_util.hpp"
#include "sweep/worker_protocol.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

namespace fs = std::filesystem;

/// One reader: a valid document of its schema, how to read a document (in a scratch folder),
/// the source its errors must name first, and which prefix lengths to try.
struct Reader {
  const char* name;
  std::function<std::string()> valid;
  std::function<void(const std::string& doc, const fs::path& scratch)> read;
  std::function<std::string(const fs::path& scratch)> source;
  size_t prefix_stride = 1;
};

std::string first_line(const fs::path& file) {
  std::istringstream in(test::read_file(file));
  std::string line;
  std::getline(in, line);
  return line;
}

fs::path write_run_folder(const fs::path& scratch, const std::string& env,
                          const std::string& runs) {
  const fs::path dir = scratch / "run";
  fs::create_directories(dir);
  test::write_file(dir / "env.json", env);
  test::write_file(dir / "runs.jsonl", runs);
  return dir;
}

std::vector<Reader> readers() {
  const fs::path run_small = test::fixture("run_small");
  return {
      {"shape_set",
       [] {
         return R"({"name": "s", "problems": [{"label": "x", "op": "fp8_gemm_nt", "n": 2112, )"
                R"("k": 7168, "m": [1, 64]}]})";
       },
       [](const std::string& doc, const fs::path& scratch) {
         const std::string file = (scratch / "shapes.json").string();
         test::write_file(file, doc);
         static_cast<void>(load_shape_set(file));
       },
       [](const fs::path& scratch) { return (scratch / "shapes.json").string(); }},
      {"config_space",
       [] { return test::read_file(fs::path(GEMMTUNE_SOURCE_DIR) / "configs/spaces/quick.json"); },
       [](const std::string& doc, const fs::path& scratch) {
         const std::string file = (scratch / "space.json").string();
         test::write_file(file, doc);
         static_cast<void>(enumerate_configs(load_config_space(file, kH200SmCount)));
       },
       [](const fs::path& scratch) { return (scratch / "space.json").string(); }},
      {"tuning_table",
       [run_small] {
         return report::to_json(report::build_tuning_table(report::read_run_folder(run_small)))
             .dump();
       },
       [](const std::string& doc, const fs::path& scratch) {
         const std::string file = (scratch / "tuning_table.json").string();
         test::write_file(file, doc);
         static_cast<void>(report::load_tuning_table(file));
       },
       [](const fs::path& scratch) { return (scratch / "tuning_table.json").string(); }, 7},
      {"env_json",
       [run_small] { return report::Json::parse(test::read_file(run_small / "env.json")).dump(); },
       [run_small](const std::string& doc, const fs::path& scratch) {
         const fs::path dir =
             write_run_folder(scratch, doc, test::read_file(run_small / "runs.jsonl"));
         static_cast<void>(report::read_run_folder(dir));
       },
       [](const fs::path& scratch) { return (scratch / "run" / "env.json").string(); }, 3},
      {"runs_jsonl", [run_small] { return first_line(run_small / "runs.jsonl"); },
       [run_small](const std::string& doc, const fs::path& scratch) {
         const fs::path dir =
             write_run_folder(scratch, test::read_file(run_small / "env.json"), doc + "\n");
         static_cast<void>(report::read_run_folder(dir));
       },
       [](const fs::path& scratch) { return (scratch / "run" / "runs.jsonl").string(); }, 3},
      {"worker_request",
       [] {
         return sweep::encode_measure({.id = 7,
                                       .kind = report::RunKind::kGemmtune,
                                       .problem = {.label = "x", .m = 64, .n = 2112, .k = 7168},
                                       .config = "bm64_bn128_s6_mc0_sm132_rN8_sk1",
                                       .timing = {.mode = "kernel", .warmup = 3, .iters = 30},
                                       .seed = 1});
       },
       [](const std::string& doc, const fs::path&) {
         static_cast<void>(sweep::decode_request(doc));
       },
       [](const fs::path&) { return std::string("worker request"); }},
  };
}

// Reads every document; returns one line per misbehaviour (empty: all clean) and the slowest.
std::string read_all(const Reader& reader, const std::vector<std::string>& docs,
                     const fs::path& scratch, double& slowest_s) {
  std::string report;
  for (size_t i = 0; i < docs.size(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    std::string problem;
    try {
      static_cast<void>(reader.read(docs[i], scratch));
    } catch (const Error& e) {
      const std::string message = e.what();
      if (e.code() != kExitUsage) problem = "exit code " + std::to_string(e.code());
      if (message.find('\n') != std::string::npos) problem = "multi-line message";
      if (message.rfind(reader.source(scratch) + ":", 0) != 0) {
        problem = "message does not start with the source: " + message.substr(0, 120);
      }
    } catch (const std::exception& e) {
      problem = std::string("not a gemmtune::Error: ") + e.what();
    }
    slowest_s = std::max(
        slowest_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!problem.empty()) {
      report += std::string(reader.name) + " doc " + std::to_string(i) + " (" +
                docs[i].substr(0, 80) + "): " + problem + "\n";
    }
  }
  return report;
}

class JsonFuzz : public ::testing::TestWithParam<size_t> {};

TEST_P(JsonFuzz, EveryDocumentIsReadOrRefusedCleanly) {
  const Reader reader = readers()[GetParam()];
  const test::TempDir scratch;
  const test::ChildOutcome outcome = test::run_bounded(
      [&] {
        spdlog::set_level(spdlog::level::off);  // unknown-key warnings of mutated documents
        std::vector<std::string> docs = test::schema_free_hostile_documents();
        const std::string valid = reader.valid();
        for (std::string& doc : test::hostile_variants(valid, reader.prefix_stride)) {
          docs.push_back(std::move(doc));
        }
        double slowest_s = 0;
        std::string report = read_all(reader, {valid}, scratch.path(), slowest_s);
        if (!report.empty()) return "the valid document fails: " + report;
        report = read_all(reader, docs, scratch.path(), slowest_s);
        if (slowest_s > 1.0)
          report += "slowest document took " + std::to_string(slowest_s) + " s\n";
        return report + "@" + std::to_string(docs.size());
      },
      {.address_space_bytes = test::current_address_space_bytes() + (int64_t{1} << 30),
       .timeout_s = 120});
  EXPECT_EQ(outcome.exit_code, 0) << "signal " << outcome.signal;
  const size_t count_at = outcome.report.rfind('@');
  ASSERT_NE(count_at, std::string::npos) << outcome.report;
  EXPECT_EQ(outcome.report.substr(0, count_at), "");
  EXPECT_GT(std::stoul(outcome.report.substr(count_at + 1)), 100u);
  EXPECT_LT(outcome.wall_s, 60.0);
}

INSTANTIATE_TEST_SUITE_P(Readers, JsonFuzz, ::testing::Range<size_t>(0, readers().size()),
                         [](const auto& info) { return std::string(readers()[info.param].name); });

TEST(JsonFuzz, WorkerResponsesNeverThrowAndSayWhatIsWrong) {
  const std::string record = first_line(test::fixture("run_small") / "runs.jsonl");
  const std::string valid = sweep::encode_record_response(1, report::Json::parse(record), false);
  ASSERT_EQ(sweep::decode_response(valid, 1).malformed, "");
  // Schema-free hostile documents and truncations are never a response.
  std::vector<std::string> refused = test::schema_free_hostile_documents();
  for (size_t length = 0; length < valid.size(); length += 5) {
    refused.push_back(valid.substr(0, length));
  }
  for (const std::string& doc : refused) {
    const sweep::WorkerResponse response = sweep::decode_response(doc, 1);
    EXPECT_NE(response.malformed, "") << doc.substr(0, 80);
    EXPECT_EQ(response.malformed.find('\n'), std::string::npos) << response.malformed;
  }
  // Mutated records may decode (the sweep checks a record against its request afterwards,
  // sweep/measure_loop.cpp), but never throw.
  for (const std::string& doc : test::hostile_variants(valid, valid.size())) {
    const sweep::WorkerResponse response = sweep::decode_response(doc, 1);
    EXPECT_EQ(response.malformed.find('\n'), std::string::npos) << response.malformed;
  }
}

}  // namespace
}  // namespace gemmtune
