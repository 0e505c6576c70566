// The kernel cache is not trusted as found: a cache folder owned by another user, or that others
// may write without the sticky bit, is not used (a loud warning; kernels compile uncached), and
// an entry whose cubin does not hold the kernel it is filed under is rebuilt, never served.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "jit/cache_entry.hpp"
#include "jit/compiler.hpp"
#include "jit/fnv1a.hpp"
#include "jit/kernel_cache.hpp"
#include "test_support.hpp"

namespace gemmtune::jit {
namespace {
namespace fs = std::filesystem;

/// Sends spdlog's default logger to a string while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_)));
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  [[nodiscard]] std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

class CacheTrust : public ::testing::Test {
 protected:
  test::TempDir temp_;
  fs::path root_ = temp_.path() / "cache";
  KernelCache cache_{root_};

  void SetUp() override { fs::create_directories(root_); }

  /// Compiles the test kernel twice; returns whether the second compile was a cache hit, and
  /// checks both built it.
  bool second_compile_hits() {
    const CompileResult first = compile(test::wgmma_fence_request(), cache_);
    EXPECT_TRUE(first.ok) << first.log;
    const CompileResult second = compile(test::wgmma_fence_request(), cache_);
    EXPECT_TRUE(second.ok) << second.log;
    EXPECT_EQ(second.cubin, first.cubin);
    return second.cache_hit;
  }
};

TEST_F(CacheTrust, AFolderOfOurOwnIsUsed) {
  ::chmod(root_.c_str(), 0755);
  EXPECT_TRUE(second_compile_hits());
}

TEST_F(CacheTrust, AWorldWritableFolderWithoutTheStickyBitIsNotUsed) {
  ::chmod(root_.c_str(), 0777);
  const LogCapture log;
  EXPECT_FALSE(second_compile_hits());
  EXPECT_NE(log.text().find("kernel cache NOT USED"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("writable by every user"), std::string::npos) << log.text();
  EXPECT_FALSE(fs::exists(cache_.arch_dir("sm_90a"))) << "an entry was written into it";
}

TEST_F(CacheTrust, AWorldWritableFolderWithTheStickyBitIsUsed) {
  // NOTE: as /tmp: others may add files but not rename or delete this user's.
  ::chmod(root_.c_str(), 01777);
  EXPECT_TRUE(second_compile_hits());
}

TEST_F(CacheTrust, AnArchFolderWritableByAnotherGroupIsNotUsed) {
  ASSERT_TRUE(second_compile_hits());
  const fs::path arch = cache_.arch_dir("sm_90a");
  // A group that is not this user's primary group.
  const gid_t other_group = ::getegid() == 0 ? 1 : 0;
  if (::chown(arch.c_str(), static_cast<uid_t>(-1), other_group) != 0) {
    GTEST_SKIP() << "cannot change the folder's group (not root, not a member)";
  }
  ::chmod(arch.c_str(), 0775);
  const LogCapture log;
  const CompileResult again = compile(test::wgmma_fence_request(), cache_);
  EXPECT_TRUE(again.ok);
  EXPECT_FALSE(again.cache_hit);
  EXPECT_NE(log.text().find("writable by group gid"), std::string::npos) << log.text();
}

TEST_F(CacheTrust, AFolderOwnedByAnotherUserIsNotUsed) {
  ASSERT_TRUE(second_compile_hits());
  const uid_t other_user = ::geteuid() == 65534 ? 1 : 65534;
  if (::chown(root_.c_str(), other_user, static_cast<gid_t>(-1)) != 0) {
    GTEST_SKIP() << "cannot give the folder to another user (not root)";
  }
  const LogCapture log;
  const CompileResult again = compile(test::wgmma_fence_request(), cache_);
  EXPECT_TRUE(again.ok);
  EXPECT_FALSE(again.cache_hit) << "a kernel from a folder another user owns was served";
  EXPECT_NE(log.text().find("owned by uid " + std::to_string(other_user)), std::string::npos)
      << log.text();
  // One loud line per folder and reason, not one per compile.
  static_cast<void>(compile(test::wgmma_fence_request(), cache_));
  const std::string text = log.text();
  int warnings = 0;
  for (size_t at = text.find("NOT USED"); at != std::string::npos; at = text.find("NOT USED", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1) << text;
}

TEST_F(CacheTrust, AnEntryWhoseCubinHoldsAnotherKernelIsRebuilt) {
  const CompileResult ours = compile(test::wgmma_fence_request(), cache_);
  const CompileResult other = compile(test::wgmma_fence_request("gt_test_other_kernel"), cache_);
  ASSERT_TRUE(ours.ok && other.ok);
  // The other kernel's cubin filed under our key, with a meta.json that agrees with it (size,
  // hash): consistent files, the wrong kernel.
  const fs::path entry = cache_.entry_dir("sm_90a", ours.cache_key);
  const std::string cubin(other.cubin.begin(), other.cubin.end());
  test::write_bytes(entry / kCubinFileName, cubin);
  nlohmann::json meta = nlohmann::json::parse(test::read_bytes(entry / kMetaFileName));
  meta["cubin_bytes"] = cubin.size();
  meta["cubin_fnv1a64"] = fnv1a64_hex(cubin);
  test::write_bytes(entry / kMetaFileName, meta.dump());

  const LogCapture log;
  const CompileResult again = compile(test::wgmma_fence_request(), cache_);
  EXPECT_TRUE(again.ok);
  EXPECT_FALSE(again.cache_hit) << "the other kernel's cubin was served as ours";
  EXPECT_EQ(again.cubin, ours.cubin);
  EXPECT_NE(log.text().find("does not hold the kernel gt_test_wgmma_fence"), std::string::npos)
      << log.text();
  EXPECT_TRUE(compile(test::wgmma_fence_request(), cache_).cache_hit);
}

TEST_F(CacheTrust, AnEntryWhoseMetaNamesAnotherKernelIsRebuilt) {
  const CompileResult ours = compile(test::wgmma_fence_request(), cache_);
  ASSERT_TRUE(ours.ok);
  const fs::path entry = cache_.entry_dir("sm_90a", ours.cache_key);
  nlohmann::json meta = nlohmann::json::parse(test::read_bytes(entry / kMetaFileName));
  meta["kernel_name"] = "gt_test_other_kernel";
  test::write_bytes(entry / kMetaFileName, meta.dump());
  const CompileResult again = compile(test::wgmma_fence_request(), cache_);
  EXPECT_FALSE(again.cache_hit);
  EXPECT_EQ(again.cubin, ours.cubin);
}

}  // namespace
}  // namespace gemmtune::jit
