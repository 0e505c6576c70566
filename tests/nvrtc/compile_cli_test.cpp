// `gemmtune compile --cubin-out`: the cubin written for SASS tools is the binary the kernel cache
// holds (what `run` and `sweep` launch), byte for byte on a miss and on a hit; a --cubin-out
// that is a file is refused with one error line and exit 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "test_support.hpp"

namespace gemmtune {
namespace {

using test::read_bytes;

constexpr const char* kConfig = "bm128_bn128_s5_mc0_sm132_rN8_sk1";

/// Exit code of `gemmtune compile --config kConfig --json --cubin-out <out>`, stdout to `json`,
/// stderr to `err`, with its kernel cache in `cache`.
int compile_cli(const std::filesystem::path& cache, const std::filesystem::path& out,
                const std::filesystem::path& json, const std::filesystem::path& err) {
  const std::string command = "GEMMTUNE_CACHE_DIR='" + cache.string() + "' '" + GEMMTUNE_BINARY +
                              "' compile --config " + kConfig + " --json --cubin-out '" +
                              out.string() + "' >'" + json.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CompileCli, CubinOutWritesTheCachedBinaryOnAMissAndOnAHit) {
  const test::TempDir dir;
  const std::filesystem::path cache = dir.path() / "cache";
  ASSERT_EQ(compile_cli(cache, dir.path() / "a", dir.path() / "a.json", dir.path() / "a.err"), 0)
      << read_bytes(dir.path() / "a.err");
  ASSERT_EQ(compile_cli(cache, dir.path() / "b", dir.path() / "b.json", dir.path() / "b.err"), 0)
      << read_bytes(dir.path() / "b.err");
  const auto first = nlohmann::json::parse(read_bytes(dir.path() / "a.json")).at("kernels").at(0);
  const auto second = nlohmann::json::parse(read_bytes(dir.path() / "b.json")).at("kernels").at(0);
  EXPECT_FALSE(first.at("cache_hit").get<bool>());
  EXPECT_TRUE(second.at("cache_hit").get<bool>());
  const std::filesystem::path cubin = dir.path() / "a" / (std::string(kConfig) + ".cubin");
  EXPECT_EQ(first.at("cubin").get<std::string>(), cubin.string());
  const std::string bytes = read_bytes(cubin);
  ASSERT_GT(bytes.size(), 4u);
  EXPECT_EQ(bytes.substr(0, 4), "\x7f" "ELF");
  EXPECT_EQ(read_bytes(second.at("cubin").get<std::string>()), bytes);
  // ptxas' advisories and serialization, from the build and again from the cache: none for
  // this member (a kernel change that makes ptxas inject a warpgroup.wait shows here).
  for (const auto& k : {first, second}) {
    EXPECT_FALSE(k.at("wgmma_serialized").get<bool>());
    // Local memory: an array indexed by a run-time value (say an accumulator picked by a loop
    // counter that was not unrolled) shows here even where nothing spills.
    EXPECT_EQ(k.at("stack_frame_bytes").get<int>(), 0);
    EXPECT_TRUE(k.at("ptxas_advisories").is_array());
    EXPECT_TRUE(k.at("ptxas_advisories").empty()) << k.at("ptxas_advisories").dump();
  }
  // The same bytes as the cache entry the launchers load.
  const std::filesystem::path entry =
      cache / "v1-sm_90a" / first.at("cache_key").get<std::string>() / "kernel.cubin";
  EXPECT_EQ(read_bytes(entry), bytes);
}

// NOTE: an output folder that is a file is refused before any compile, like every output folder
// gemmtune may not own (core/atomic_file.hpp): bad input, exit 2; the file is left as it was.
TEST(CompileCli, CubinOutThatIsAFileIsOneErrorLineAndExitTwo) {
  const test::TempDir dir;
  const std::filesystem::path file = dir.path() / "not-a-folder";
  test::write_bytes(file, "x");
  const std::filesystem::path json = dir.path() / "out.json";
  EXPECT_EQ(compile_cli(dir.path() / "cache", file, json, dir.path() / "err"), 2);
  EXPECT_EQ(read_bytes(file), "x");
  const std::string err = read_bytes(dir.path() / "err");
  EXPECT_NE(err.find(file.string()), std::string::npos) << err;
}

// `gemmtune __compiler`, the sweep's compiler process: one JSON answer a config line, built into
// the kernel cache `sweep` and `run` read; a line that is no config is a failed answer, and the
// process goes on to the next line.
TEST(CompilerProcess, AnswersEachLineAndFillsTheKernelCache) {
  const test::TempDir dir;
  const std::filesystem::path cache = dir.path() / "cache";
  test::write_bytes(dir.path() / "in", std::string(kConfig) + "\nnot_a_config\n");
  const std::string command = "GEMMTUNE_CACHE_DIR='" + cache.string() + "' '" + GEMMTUNE_BINARY +
                              "' __compiler <'" + (dir.path() / "in").string() + "' >'" +
                              (dir.path() / "out").string() + "' 2>'" +
                              (dir.path() / "err").string() + "'";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_bytes(dir.path() / "err");
  const std::string out = read_bytes(dir.path() / "out");
  const size_t newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos) << out;
  const auto built = nlohmann::json::parse(out.substr(0, newline));
  const auto refused = nlohmann::json::parse(out.substr(newline + 1));
  EXPECT_EQ(built.at("config"), kConfig);
  EXPECT_TRUE(built.at("ok").get<bool>()) << built.at("log");
  EXPECT_FALSE(built.at("cache_hit").get<bool>());
  EXPECT_GT(built.at("compile_seconds").get<double>(), 0.0);
  EXPECT_EQ(test::count_children_with_prefix(cache / "v1-sm_90a", ""), 1);
  EXPECT_EQ(refused.at("config"), "not_a_config");
  EXPECT_FALSE(refused.at("ok").get<bool>());
  EXPECT_NE(refused.at("log").get<std::string>().find("not a config"), std::string::npos)
      << refused.dump();
}

}  // namespace
}  // namespace gemmtune
