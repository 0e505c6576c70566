// Roofs without a GPU: their JSON and provenance (old env.json files included), the per-device
// cache (key, round trip, corrupt files, re-measuring) and env.json written from a worker's hello.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "report/roofs.hpp"
#include "report/roofs_cache.hpp"
#include "report/run_folder.hpp"
#include "measured_roofs.hpp"
#include "sweep/run_env.hpp"
#include "test_support.hpp"

namespace gemmtune::report {
namespace {

namespace fs = std::filesystem;
using test::LogCapture;
using test::TempDir;

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

/// A measured set with a method object, as the runtime writes one.
Roofs measured_roofs(double hbm_gbps = 3350.0) {
  Roofs r = test::measured_roofs("NVIDIA H100 80GB HBM3", hbm_gbps);
  r.method = {{"protocol", "test"}, {"seconds", 1.5}};
  return r;
}

RoofsCacheKey h100_key() {
  return {.gpu_name = "NVIDIA H100 80GB HBM3", .max_sm_clock_mhz = 1980, .max_mem_clock_mhz = 2619,
          .driver = "580.159.04", .cublaslt = "13.1.0"};
}

Json env_with_roofs(const Json& roofs) {
  std::ifstream in(fs::path(GEMMTUNE_TEST_FIXTURES) / "run_small" / "env.json");
  Json env = Json::parse(in);
  if (roofs.is_null()) {
    env.erase("roofs");
  } else {
    env["roofs"] = roofs;
  }
  return env;
}

TEST(Roofs, MeasuredRoundTripKeepsProvenance) {
  const Roofs measured = measured_roofs();
  const Json j = to_json(measured);
  EXPECT_EQ(j.at("source"), "measured");
  EXPECT_EQ(j.at("device"), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(j.at("measured_at"), "2026-11-23T12:00:00Z");
  EXPECT_EQ(j.at("datasheet_source"), "constant");
  EXPECT_FALSE(j.contains("origin"));
  EXPECT_EQ(parse_roofs(j, JsonAt{"t"}), measured);
}

TEST(Roofs, ConstantsAreLabelledWithTheirOrigin) {
  const Json j = to_json(Roofs{});
  EXPECT_EQ(j.at("source"), "constant");
  EXPECT_EQ(j.at("origin"), std::string(kH200RoofsOrigin));
  EXPECT_FALSE(j.contains("device"));
  EXPECT_EQ(parse_roofs(j, JsonAt{"t"}), Roofs{});
  EXPECT_NE(roofs_provenance(Roofs{}).find("constants, not measured"), std::string::npos);
  EXPECT_EQ(roofs_provenance(measured_roofs()),
            "measured on NVIDIA H100 80GB HBM3 at 2026-11-23T12:00:00Z (SM clock 1980 MHz)");
}

TEST(Roofs, OldEnvFilesReadAsTheH200Constants) {
  // Before 2026-11-23: no source at all (the fixture), or make_env_json's text.
  const Json no_source = {{"hbm_gbps", 4297}, {"fp8_block_tflops", 1093},
                          {"fp8_tensor_tflops", 1379}, {"fp8_datasheet_tflops", 1979}};
  EXPECT_EQ(parse_env(env_with_roofs(no_source), JsonAt{"env.json"}).roofs, Roofs{});
  Json legacy = no_source;
  legacy["source"] = "shared/DEVICE.md, measured on an H200";
  EXPECT_EQ(parse_env(env_with_roofs(legacy), JsonAt{"env.json"}).roofs, Roofs{});
  EXPECT_EQ(parse_env(env_with_roofs(Json()), JsonAt{"env.json"}).roofs, Roofs{});
}

TEST(Roofs, MalformedRoofsAreInputErrors) {
  Json j = to_json(measured_roofs());
  j.erase("device");
  test::expect_input_error(test::catch_error([&] { (void)parse_roofs(j, JsonAt{"env.json"} / "roofs"); }),
                           "env.json", {"$.roofs.device", "missing"});
  j = to_json(Roofs{});
  j["source"] = "guessed";
  test::expect_input_error(test::catch_error([&] { (void)parse_roofs(j, JsonAt{"env.json"}); }),
                           "env.json", {"$.source", "\"guessed\""});
  j = to_json(Roofs{});
  j["hbm_gbps"] = 0;
  test::expect_input_error(test::catch_error([&] { (void)parse_roofs(j, JsonAt{"env.json"}); }),
                           "env.json", {"$.hbm_gbps", "positive"});
}

TEST(Roofs, EnvJsonRoundTripsMeasuredRoofs) {
  const RunEnv env = parse_env(env_with_roofs(to_json(measured_roofs())), JsonAt{"env.json"});
  EXPECT_EQ(env.roofs, measured_roofs());
  EXPECT_EQ(parse_env(to_json(env), JsonAt{"again"}).roofs, measured_roofs());
}

TEST(RoofsCache, FileStemIsReadableAndKeyedOnEveryField) {
  EXPECT_EQ(file_stem(h100_key()), "NVIDIA_H100_80GB_HBM3-sm1980-mem2619-drv580.159.04-lt13.1.0");
  RoofsCacheKey other = h100_key();
  other.max_mem_clock_mhz = 3201;
  EXPECT_NE(file_stem(other), file_stem(h100_key()));
  other = h100_key();
  other.driver = "../..";
  EXPECT_EQ(file_stem(other).find('/'), std::string::npos);
  const RoofsCache cache(fs::path("/tmp/root"));
  EXPECT_EQ(cache.file_for(h100_key()),
            fs::path("/tmp/root/roofs-v1/NVIDIA_H100_80GB_HBM3-sm1980-mem2619-drv580.159.04-lt13.1.0.json"));
  EXPECT_FALSE(RoofsCache().enabled());
}

TEST(RoofsCache, StoreThenLoadRoundTripsWithoutLeavingTempFiles) {
  const TempDir dir;
  const RoofsCache cache(dir.path());
  EXPECT_FALSE(cache.load(h100_key()).roofs.has_value());
  EXPECT_TRUE(cache.load(h100_key()).corrupt.empty());  // a missing file is a plain miss
  std::string why;
  ASSERT_TRUE(cache.store(h100_key(), measured_roofs(), &why)) << why;
  const RoofsCacheRead read = cache.load(h100_key());
  ASSERT_TRUE(read.roofs.has_value()) << read.corrupt;
  EXPECT_EQ(*read.roofs, measured_roofs());
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "roofs-v1")) {
    EXPECT_EQ(entry.path().extension(), ".json") << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(RoofsCache, CorruptOrMismatchedFilesAreMissesThatSayWhy) {
  const TempDir dir;
  const RoofsCache cache(dir.path());
  fs::create_directories(cache.file_for(h100_key()).parent_path());
  std::ofstream(cache.file_for(h100_key())) << "{\"schema\": \"gemmtune.roofs_cache/1\", \"key\": {";
  RoofsCacheRead read = cache.load(h100_key());
  EXPECT_FALSE(read.roofs.has_value());
  EXPECT_NE(read.corrupt.find(cache.file_for(h100_key()).string()), std::string::npos) << read.corrupt;

  // A file for another key under this key's name (sanitizing merged two names, or a copy).
  RoofsCacheKey other = h100_key();
  other.gpu_name = "NVIDIA H100 80GB_HBM3";
  ASSERT_EQ(file_stem(other), file_stem(h100_key()));
  ASSERT_TRUE(cache.store(other, measured_roofs(), nullptr));
  read = cache.load(h100_key());
  EXPECT_FALSE(read.roofs.has_value());
  EXPECT_NE(read.corrupt.find("names another device"), std::string::npos) << read.corrupt;
  EXPECT_TRUE(cache.load(other).roofs.has_value());
}

TEST(RoofsCache, MeasuresOnceThenHitsUntilAskedToMeasureAgain) {
  const TempDir dir;
  const RoofsCache cache(dir.path());
  int measurements = 0;
  const auto measure = [&] { return measured_roofs(3000.0 + ++measurements); };
  const RoofsLookup a = cached_roofs(cache, h100_key(), false, measure);
  EXPECT_FALSE(a.cache_hit);
  EXPECT_EQ(a.roofs.hbm_gbps, 3001.0);
  EXPECT_EQ(a.file, cache.file_for(h100_key()));
  const RoofsLookup b = cached_roofs(cache, h100_key(), false, measure);
  EXPECT_TRUE(b.cache_hit);
  EXPECT_EQ(b.roofs, a.roofs);
  EXPECT_EQ(measurements, 1);
  const RoofsLookup c = cached_roofs(cache, h100_key(), true, measure);  // --measure-roofs
  EXPECT_FALSE(c.cache_hit);
  EXPECT_EQ(c.roofs.hbm_gbps, 3002.0);
  EXPECT_EQ(cached_roofs(cache, h100_key(), false, measure).roofs.hbm_gbps, 3002.0);
  EXPECT_EQ(measurements, 2);
}

TEST(RoofsCache, ACorruptFileIsMeasuredAgainWithOneWarning) {
  const TempDir dir;
  const RoofsCache cache(dir.path());
  fs::create_directories(cache.file_for(h100_key()).parent_path());
  std::ofstream(cache.file_for(h100_key())) << "not json at all";
  int measurements = 0;
  const LogCapture log;
  const RoofsLookup lookup = cached_roofs(cache, h100_key(), false, [&] {
    ++measurements;
    return measured_roofs();
  });
  EXPECT_EQ(measurements, 1);
  EXPECT_FALSE(lookup.cache_hit);
  EXPECT_EQ(lookup.roofs, measured_roofs());
  EXPECT_EQ(occurrences(log.text(), "[warning]"), 1) << log.text();
  EXPECT_NE(log.text().find("measuring again"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("roofs: measuring on NVIDIA H100 80GB HBM3"), std::string::npos);
  EXPECT_TRUE(cache.load(h100_key()).roofs.has_value());  // replaced by the new measurement
}

TEST(RoofsCache, AFailedMeasurementPropagatesAndCachesNothing) {
  const TempDir dir;
  const RoofsCache cache(dir.path());
  const auto fail = []() -> Roofs { throw std::runtime_error("out of memory"); };
  EXPECT_THROW((void)cached_roofs(cache, h100_key(), false, fail), std::runtime_error);
  EXPECT_FALSE(fs::exists(cache.file_for(h100_key())));
  // Constants are never cached: they would read as a measurement of this device.
  (void)cached_roofs(cache, h100_key(), false, [] { return Roofs{}; });
  EXPECT_FALSE(fs::exists(cache.file_for(h100_key())));
}

TEST(RoofsCache, ADisabledCacheMeasuresEveryTime) {
  int measurements = 0;
  const auto measure = [&] {
    ++measurements;
    return measured_roofs();
  };
  EXPECT_FALSE(cached_roofs(RoofsCache(), h100_key(), false, measure).cache_hit);
  EXPECT_TRUE(cached_roofs(RoofsCache(), h100_key(), false, measure).file.empty());
  EXPECT_EQ(measurements, 2);
}

TEST(RoofsCache, FromEnvironmentSharesTheKernelCacheRoot) {
  const TempDir dir;
  ::setenv("GEMMTUNE_CACHE_DIR", dir.path().c_str(), 1);
  const fs::path file = RoofsCache::from_environment().file_for(h100_key());
  ::unsetenv("GEMMTUNE_CACHE_DIR");
  EXPECT_EQ(file.parent_path(), dir.path() / "roofs-v1");
}

/// The worker's hello answer, as the fake worker sends it.
Json worker_environment(const Json& roofs) {
  Json w = {{"tool_version", "test"},
            {"git_rev", "test"},
            {"gpu", {{"name", "NVIDIA H100 80GB HBM3"}, {"sm_count", 132}}},
            {"versions", {{"driver", "580.0"}, {"cuda_runtime", "13.0"}, {"nvrtc", "13.0"},
                          {"cublaslt", "13.1.0"}}}};
  if (!roofs.is_null()) w["roofs"] = roofs;
  return w;
}

TEST(RoofsEnvJson, MeasuredRoofsOfTheWorkerAreWrittenWithTheirSource) {
  const Json env = sweep::make_env_json(worker_environment(to_json(measured_roofs())), {});
  EXPECT_EQ(env.at("roofs").at("source"), "measured");
  EXPECT_EQ(env.at("roofs").at("hbm_gbps"), 3350.0);
  EXPECT_EQ(env.at("roofs").at("device"), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(parse_roofs(env.at("roofs"), JsonAt{"env.json"}), measured_roofs());
}

TEST(RoofsEnvJson, AWorkerWithoutRoofsGetsTheLabelledConstants) {
  const Json env = sweep::make_env_json(worker_environment(Json()), {});
  EXPECT_EQ(env.at("roofs").at("source"), "constant");
  EXPECT_EQ(env.at("roofs").at("origin"), std::string(kH200RoofsOrigin));
  EXPECT_EQ(env.at("roofs").at("hbm_gbps"), 4297.0);
  const LogCapture log;
  const Json bad = sweep::make_env_json(worker_environment({{"hbm_gbps", "fast"}}), {});
  EXPECT_EQ(bad.at("roofs").at("source"), "constant");
  EXPECT_NE(log.text().find("roofs.hbm_gbps"), std::string::npos) << log.text();
}

}  // namespace
}  // namespace gemmtune::report
