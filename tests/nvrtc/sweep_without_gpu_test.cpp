// `gemmtune sweep` on a machine without a GPU (README command 1 on a laptop or CI): bounded CPU
// work (`--no-gpu-compile first|all|none`), a progress line per batch, exit 3 and the exact
// command to run on a GPU machine. CUDA_VISIBLE_DEVICES="" hides any GPU, so the test runs the
// same everywhere.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "test_support.hpp"

namespace gemmtune::test {
namespace {

struct SweepRun {
  int exit_code = -1;
  std::string err;
};

/// Two dense problems of distinct shapes, one M each.
void write_shape_set(const std::filesystem::path& file) {
  std::ofstream(file) << R"({"name": "no-gpu", "problems": [
    {"label": "a", "op": "fp8_gemm_nt", "n": 2112, "k": 7168, "m": [64]},
    {"label": "b", "op": "fp8_gemm_nt", "n": 7168, "k": 2048, "m": [4096]}]})";
}

SweepRun run_sweep_without_gpu(const TempDir& dir, const std::string& extra) {
  const std::filesystem::path shapes = dir.path() / "shapes.json";
  write_shape_set(shapes);
  const std::filesystem::path err = dir.path() / "stderr";
  const std::string command = "cd '" + dir.path().string() + "' && CUDA_VISIBLE_DEVICES= " +
                              "GEMMTUNE_CACHE_DIR='" + (dir.path() / "cache").string() + "' '" +
                              GEMMTUNE_BINARY + "' sweep --shapes shapes.json --budget quick " +
                              extra + " > /dev/null 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  std::ifstream in(err);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1,
          std::string(std::istreambuf_iterator<char>(in), {})};
}

TEST(SweepWithoutGpu, CompilesEachProblemsFirstKernelAndPrintsTheGpuCommand) {
  const TempDir dir;
  const SweepRun r = run_sweep_without_gpu(dir, "");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  // NOTE: two problems may share their first config: one or two kernels, never more.
  const bool one = r.err.find("planned 2 problem(s), compiled 1 kernel(s) (0 cache hits, 0 failed") !=
                   std::string::npos;
  const bool two = r.err.find("planned 2 problem(s), compiled 2 kernel(s) (0 cache hits, 0 failed") !=
                   std::string::npos;
  EXPECT_TRUE(one || two) << r.err;
  EXPECT_NE(r.err.find(one ? "gemmtune: compiled 1/1 kernel(s)" : "gemmtune: compiled 2/2 kernel(s)"),
            std::string::npos)
      << "a progress line per batch:\n" << r.err;
  EXPECT_NE(r.err.find("On a machine with an H100 or H200 run: gemmtune sweep --shapes "
                       "shapes.json --budget quick\n"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "cache")) << "the builds are cached";
}

TEST(SweepWithoutGpu, NoneCompilesNothing) {
  const TempDir dir;
  const SweepRun r = run_sweep_without_gpu(dir, "--no-gpu-compile none");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("compiled 0 kernel(s)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("compiled 1/"), std::string::npos) << r.err;
}

TEST(SweepWithoutGpu, AnUnknownScopeIsAUsageError) {
  const TempDir dir;
  const SweepRun r = run_sweep_without_gpu(dir, "--no-gpu-compile most");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("most not in {first,all,none}"), std::string::npos) << r.err;
}

// What the GPU run would refuse is refused here too, before anything is compiled: a malformed
// GPU list, an --out that is a file or a link. A space with no legal config warns.
TEST(SweepWithoutGpu, RefusesWhatTheGpuRunWouldRefuse) {
  const TempDir dir;
  for (const char* gpus : {"bogus", "0,0", "-1"}) {
    const SweepRun r = run_sweep_without_gpu(dir, std::string("--gpus=") + gpus);
    EXPECT_EQ(r.exit_code, 2) << gpus << ": " << r.err;
    EXPECT_NE(r.err.find("gemmtune: error: --gpus"), std::string::npos) << r.err;
  }
  std::ofstream(dir.path() / "a_file") << "x";
  std::filesystem::create_symlink(dir.path() / "elsewhere", dir.path() / "a_link");
  for (const char* out : {"a_file", "a_link"}) {
    const SweepRun r = run_sweep_without_gpu(dir, std::string("--out ") + out);
    EXPECT_EQ(r.exit_code, 2) << out << ": " << r.err;
    EXPECT_NE(r.err.find(std::string("--out ") + out + ": "), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("compiled"), std::string::npos) << r.err;
  }
  const std::filesystem::path space = dir.path() / "none_legal.json";
  std::ofstream(space) << R"({"name": "none", "block_m": [128], "block_n": [128], "stages": [1],
    "multicast": ["none"], "num_sms": ["all"], "raster": ["N"], "group": [8], "split_k": [1]})";
  const SweepRun r = run_sweep_without_gpu(dir, "--no-gpu-compile none --space none_legal.json");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("2 problem(s) of 2 have no legal config in the space"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace gemmtune::test
