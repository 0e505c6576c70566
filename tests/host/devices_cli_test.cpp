// `gemmtune devices`: informational, works with or without a GPU; --require-gpu exits 3 without.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct RunResult {
  int exit_code = -1;
  std::string stdout_text;
};

RunResult run_gemmtune(const std::string& args) {
  RunResult r;
  const std::string command = std::string(GEMMTUNE_BINARY) + " " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) r.stdout_text += buffer.data();
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(DevicesCli, JsonIsSelfDescribing) {
  const RunResult r = run_gemmtune("devices --json");
  ASSERT_EQ(r.exit_code, 0);
  const nlohmann::json j = nlohmann::json::parse(r.stdout_text);
  EXPECT_EQ(j.at("schema"), "gemmtune.devices/1");
  EXPECT_FALSE(j.at("tool").at("version").get<std::string>().empty());
  EXPECT_FALSE(j.at("tool").at("git_rev").get<std::string>().empty());
  EXPECT_FALSE(j.at("versions").at("cuda_runtime").is_null());
  EXPECT_FALSE(j.at("versions").at("nvrtc").is_null());
  EXPECT_GT(j.at("versions").at("cublaslt_raw").get<int64_t>(), 0);
  if (j.at("gpu_available").get<bool>()) {
    EXPECT_FALSE(j.at("devices").empty());
    EXPECT_GT(j.at("devices")[0].at("sm_count").get<int>(), 0);
  } else {
    EXPECT_TRUE(j.at("devices").empty());
    EXPECT_FALSE(j.at("no_gpu_reason").get<std::string>().empty());
  }
  // The fallback for runs without measured roofs, labelled as constants.
  EXPECT_EQ(j.at("constant_roofs").at("source"), "constant");
  EXPECT_EQ(j.at("constant_roofs").at("hbm_gbps"), 4297.0);
  EXPECT_EQ(j.at("constant_roofs").at("datasheet_source"), "constant");
}

TEST(DevicesCli, WithoutAGpuRoofsAreNotMeasuredAndMeasuringIsRefused) {
  const RunResult json = run_gemmtune("devices --json");
  if (nlohmann::json::parse(json.stdout_text).at("gpu_available").get<bool>()) {
    GTEST_SKIP() << "this machine has a GPU (tests/gpu/roofs_gpu_test.cpp covers it)";
  }
  EXPECT_NE(run_gemmtune("devices").stdout_text.find("roofs: none measured"), std::string::npos);
  EXPECT_EQ(run_gemmtune("devices --measure-roofs").exit_code, 3);
}

TEST(DevicesCli, TextNamesTheGpuOrWhyThereIsNone) {
  const RunResult json = run_gemmtune("devices --json");
  const bool gpu = nlohmann::json::parse(json.stdout_text).at("gpu_available").get<bool>();
  const RunResult text = run_gemmtune("devices");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.stdout_text.find("cuBLASLt"), std::string::npos);
  EXPECT_NE(text.stdout_text.find(gpu ? "GPU 0:" : "no CUDA GPU found: "), std::string::npos) << text.stdout_text;
  EXPECT_EQ(run_gemmtune("devices --require-gpu").exit_code, gpu ? 0 : 3);
}

}  // namespace
