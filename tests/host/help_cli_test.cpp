// `gemmtune help [TOPIC]`: the reference READMEs travel inside the binary, byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test_support.hpp"

namespace gemmtune::test {
namespace {

const std::filesystem::path kRepo = GEMMTUNE_SOURCE_DIR;

TEST(HelpCli, ListsATopicPerReferenceReadme) {
  const RunResult r = run_gemmtune("help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* topic : {"overview", "kernels", "configs", "sweep", "jit", "report", "runtime",
                            "tests"}) {
    EXPECT_NE(r.out.find("\n  " + std::string(topic) + " "), std::string::npos)
        << topic << " missing from:\n" << r.out;
  }
}

TEST(HelpCli, PrintsEachTopicAsTheReadmeInTheTree) {
  const RunResult list = run_gemmtune("help");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  int compared = 0;
  for (const auto& [topic, path] :
       {std::pair{"overview", "README.md"}, std::pair{"kernels", "kernels/README.md"},
        std::pair{"sweep", "src/sweep/README.md"}, std::pair{"tests", "tests/README.md"}}) {
    const RunResult r = run_gemmtune(std::string("help ") + topic);
    ASSERT_EQ(r.exit_code, 0) << topic << ": " << r.err;
    EXPECT_EQ(r.out, read_text(kRepo / path)) << topic << " differs from " << path;
    ++compared;
  }
  EXPECT_EQ(compared, 4);
}

TEST(HelpCli, AnUnknownTopicIsAUsageErrorNamingTheTopics) {
  const RunResult r = run_gemmtune("help no-such-topic");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no topic 'no-such-topic'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("kernels"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gemmtune::test
