// Roofs measured on the device (worker/device_roofs.hpp): sane figures, the per-device cache,
// and `devices --json` / a sweep's env.json carrying them. Skipped without a GPU.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "../host/test_support.hpp"
#include "baselines_only_sweep.hpp"
#include "gpu_test_support.hpp"
#include "report/json_fields.hpp"
#include "report/roofs.hpp"
#include "runtime/environment.hpp"
#include "worker/device_roofs.hpp"

namespace gemmtune {
namespace {

namespace fs = std::filesystem;
using report::RoofSource;

/// Points the caches (kernels and roofs) at a fresh folder for one test.
class FreshCache {
 public:
  FreshCache() { ::setenv("GEMMTUNE_CACHE_DIR", dir_.path().c_str(), 1); }
  ~FreshCache() { ::unsetenv("GEMMTUNE_CACHE_DIR"); }
  FreshCache(const FreshCache&) = delete;
  FreshCache& operator=(const FreshCache&) = delete;
  [[nodiscard]] const fs::path& path() const { return dir_.path(); }

 private:
  test::TempDir dir_;
};

TEST(RoofsGpu, MeasuredRoofsAreSaneAndTheSecondLookupHitsTheCache) {
  GT_SKIP_WITHOUT_GPU();
  const FreshCache cache;
  const EnvironmentInfo e = gather_environment();
  ASSERT_FALSE(e.devices.empty());
  const DeviceInfo& d = e.devices.front();

  const report::RoofsLookup first = device_roofs(e, d, false);
  // NOTE: a failed measurement falls back to the constants and names the failure in `origin`.
  ASSERT_EQ(first.roofs.source, RoofSource::kMeasured) << first.roofs.origin;
  EXPECT_FALSE(first.cache_hit);
  const report::Roofs& r = first.roofs;
  std::printf("roofs on %s: HBM %.0f GB/s, FP8 per-tensor %.0f TFLOPS, block-scaled %.0f TFLOPS, "
              "SM clock %d MHz, %.2f s\n%s\n", d.name.c_str(), r.hbm_gbps, r.fp8_tensor_tflops,
              r.fp8_block_tflops, r.sm_clock_mhz, r.method.value("seconds", -1.0),
              r.method.dump().c_str());
  EXPECT_EQ(r.device, d.name);
  EXPECT_FALSE(r.measured_at.empty());
  EXPECT_GE(r.hbm_gbps, 1000.0);
  EXPECT_LE(r.hbm_gbps, 6000.0);
  EXPECT_GT(r.fp8_tensor_tflops, 100.0);
  EXPECT_GT(r.fp8_block_tflops, 100.0);
  EXPECT_LT(r.fp8_block_tflops, r.fp8_tensor_tflops * 1.2);
  EXPECT_LT(r.fp8_tensor_tflops, r.fp8_datasheet_tflops);
  EXPECT_LT(r.fp8_block_tflops, r.fp8_datasheet_tflops);
  EXPECT_LT(r.method.value("seconds", 1e9), 10.0) << "measuring must take a few seconds";
  ASSERT_TRUE(fs::exists(first.file));
  EXPECT_EQ(first.file.parent_path(), cache.path() / "roofs-v1");

  const report::RoofsLookup second = device_roofs(e, d, false);
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(second.roofs, first.roofs);

  const report::RoofsLookup again = device_roofs(e, d, true);  // devices --measure-roofs
  EXPECT_FALSE(again.cache_hit);
  ASSERT_EQ(again.roofs.source, RoofSource::kMeasured) << again.roofs.origin;
  EXPECT_NEAR(again.roofs.hbm_gbps / r.hbm_gbps, 1.0, 0.2);
  EXPECT_EQ(device_roofs(e, d, false).roofs, again.roofs);  // the new figures replaced the old
}

TEST(RoofsGpu, DevicesJsonShowsMeasuredRoofsThenCachedOnes) {
  GT_SKIP_WITHOUT_GPU();
  const FreshCache cache;
  const test::RunResult measured = test::run_gemmtune("devices --json --measure-roofs");
  ASSERT_EQ(measured.exit_code, 0) << measured.err;
  EXPECT_NE(measured.err.find("roofs: measuring on"), std::string::npos) << measured.err;
  const report::Json j = report::Json::parse(measured.out);
  EXPECT_EQ(j.at("schema"), "gemmtune.devices/1");
  const report::Json& roofs = j.at("devices").at(0).at("roofs");
  EXPECT_EQ(roofs.at("source"), "measured");
  EXPECT_EQ(roofs.at("device"), j.at("devices").at(0).at("name"));
  EXPECT_EQ(roofs.at("datasheet_source"), "constant");
  EXPECT_FALSE(j.at("devices").at(0).at("roofs_cache").at("hit").get<bool>());

  const test::RunResult cached = test::run_gemmtune("devices --json");
  ASSERT_EQ(cached.exit_code, 0) << cached.err;
  EXPECT_EQ(cached.err.find("roofs: measuring on"), std::string::npos) << cached.err;
  const report::Json k = report::Json::parse(cached.out);
  EXPECT_TRUE(k.at("devices").at(0).at("roofs_cache").at("hit").get<bool>());
  EXPECT_EQ(k.at("devices").at(0).at("roofs"), roofs);
  const test::RunResult text = test::run_gemmtune("devices");
  EXPECT_NE(text.out.find("roofs: HBM"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("measured on"), std::string::npos) << text.out;
}

TEST(RoofsGpu, SweepEnvJsonCarriesTheRoofsMeasuredByItsWorker) {
  GT_SKIP_WITHOUT_GPU();
  const FreshCache cache;
  const test::TempDir dir;
  const fs::path run = dir.path() / "run";
  const test::RunResult r = test::run_gemmtune("sweep " + testing::baselines_only_sweep_args(dir) +
                                               " --out " + run.string() + " --iters 5 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const report::Json env = report::read_json_file((run / "env.json").string());
  EXPECT_EQ(env.at("roofs").at("source"), "measured") << env.at("roofs").dump();
  EXPECT_EQ(env.at("roofs").at("device"), env.at("gpu").at("name"));
  const std::string svg = test::read_text(run / "roofline.svg");
  EXPECT_NE(svg.find("(measured copy)"), std::string::npos);
  EXPECT_EQ(svg.find("constant roof"), std::string::npos);
}

}  // namespace
}  // namespace gemmtune
