// The bundle's Python path without a GPU: `gemmtune export --format bundle` of a two-entry table
// ships the C ABI, its build script and the Python module byte for byte; build.sh builds
// libgemmtune_bundle.so against the toolkit's driver stub, exporting gemmtune_bundle_* and nothing
// else, needing libcuda and no other CUDA library; the module loads it through ctypes, checks it
// against the manifest, and reports a machine without a driver as a BundleLoadError.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_support.hpp"

namespace gemmtune {
namespace {

namespace fs = std::filesystem;

using test::kCudaInclude;
using test::kCudaLib;
using test::kRepo;

using test::CommandResult;
using test::run;

/// The bundle of the first problem of the committed h200-dense table, cut to its first two
/// entries (two kernels to compile), exported and built once for the tests below.
class PythonBundle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    nlohmann::json table =
        nlohmann::json::parse(test::read_bytes(kRepo / "results/h200-dense/tuning_table.json"));
    nlohmann::json problem = table.at("problems")[0];
    problem["entries"] = nlohmann::json::array({problem["entries"][0], problem["entries"][1]});
    table["problems"] = nlohmann::json::array({problem});
    test::write_bytes(dir_->path() / "small.json", table.dump());
    export_ = new CommandResult(run("GEMMTUNE_CACHE_DIR=" + (dir_->path() / "cache").string() + " " +
                                    GEMMTUNE_BINARY + " export " + (dir_->path() / "small.json").string() +
                                    " --format bundle --out " + bundle().string()));
    // NOTE: the strict warnings a careful consumer compiles with; the stub stands in for libcuda.
    build_ = new CommandResult(run("CXX='g++ -Wall -Wextra -Wpedantic -Werror' CUDA_INCLUDE_DIR=" +
                                   kCudaInclude + " CUDA_LIBRARY_DIR=" + kCudaLib + " sh " +
                                   (bundle() / "build.sh").string()));
  }
  static void TearDownTestSuite() {
    delete build_;
    delete export_;
    delete dir_;
  }
  static fs::path bundle() { return dir_->path() / "bundle"; }
  static fs::path library() { return bundle() / "libgemmtune_bundle.so"; }

  static test::TempDir* dir_;
  static CommandResult* export_;
  static CommandResult* build_;
};
test::TempDir* PythonBundle::dir_ = nullptr;
CommandResult* PythonBundle::export_ = nullptr;
CommandResult* PythonBundle::build_ = nullptr;

TEST_F(PythonBundle, ExportShipsTheCAbiBuildScriptAndModule) {
  ASSERT_EQ(export_->exit_code, 0) << export_->output;
  for (const char* file : {"build.sh", "gemmtune_bundle.py", "gemmtune_bundle_arguments.py",
                           "gemmtune_bundle_library.py", "gemmtune_bundle_plans.py",
                           "gemmtune_bundle_capi.h", "gemmtune_bundle_capi.cpp"}) {
    EXPECT_EQ(test::read_bytes(bundle() / file), test::read_bytes(kRepo / "src/report/bundle" / file))
        << file;
  }
  EXPECT_FALSE(fs::exists(bundle() / "embedded_bundle_files.hpp"));
  const nlohmann::json manifest = nlohmann::json::parse(test::read_bytes(bundle() / "manifest.json"));
  EXPECT_EQ(manifest.at("entries").size(), 2u);
}

TEST_F(PythonBundle, LibraryBuildsAgainstTheStubAndExportsOnlyTheCAbi) {
  ASSERT_EQ(export_->exit_code, 0) << export_->output;
  ASSERT_EQ(build_->exit_code, 0) << build_->output;
  const CommandResult symbols = run("nm -D --defined-only " + library().string());
  ASSERT_EQ(symbols.exit_code, 0) << symbols.output;
  std::istringstream lines(symbols.output);
  int exported = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::string name = line.substr(line.rfind(' ') + 1);
    EXPECT_EQ(name.rfind("gemmtune_bundle_", 0), 0u) << "exported: " << line;
    ++exported;
  }
  EXPECT_EQ(exported, 22) << symbols.output;  // every function of gemmtune_bundle_capi.h
  const CommandResult needed = run("objdump -p " + library().string() + " | grep NEEDED");
  EXPECT_NE(needed.output.find("libcuda.so.1"), std::string::npos) << needed.output;
  for (const char* other : {"nvrtc", "cudart", "cublas"}) {
    EXPECT_EQ(needed.output.find(other), std::string::npos) << needed.output;
  }
}

TEST_F(PythonBundle, ModuleLoadsTheLibraryAndReportsAMachineWithoutADriver) {
  ASSERT_EQ(build_->exit_code, 0) << build_->output;
  // NOTE: the stub, loaded first under its soname libcuda.so.1, is the libcuda the library
  // binds to: the module's ctypes declarations meet the real library, and the device query
  // meets a driver that is not there.
  const std::string script =
      "import ctypes, sys\n"
      "ctypes.CDLL('" + kCudaLib + "/stubs/libcuda.so', mode=ctypes.RTLD_GLOBAL)\n"
      "sys.path.insert(0, sys.argv[1])\n"
      "import gemmtune_bundle as gt\n"
      "b = gt.load(sys.argv[1], build=False)\n"
      "assert [k['config'] for k in b.manifest['kernels']] == "
      "[b._lib.gemmtune_bundle_kernel_config(i).decode() for i in range(b._lib.gemmtune_bundle_num_kernels())]\n"
      "try:\n"
      "    b.select(64, 2112, 7168)\n"
      "except gt.BundleLoadError as e:\n"
      "    print('load error:', e)\n";
  test::write_bytes(dir_->path() / "load.py", script);
  const CommandResult r =
      run("python3 " + (dir_->path() / "load.py").string() + " " + bundle().string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("load error: cuda:0: no NVIDIA driver"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gemmtune
