// The disk cache: miss then hit, cached failures, corrupt entries rebuilt, unwritable caches,
// a lost publish race, key sensitivity, list and clear, and where the cache lives.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jit/cache_entry.hpp"
#include "jit/compiler.hpp"
#include "jit/kernel_cache.hpp"
#include "test_support.hpp"

namespace gemmtune::jit {
namespace {
namespace fs = std::filesystem;

/// A test with its own cache folder; each test starts from an empty cache.
class KernelCacheTest : public ::testing::Test {
 protected:
  test::TempDir temp_;
  KernelCache cache_{temp_.path() / "cache"};

  [[nodiscard]] fs::path entry_of(const CompileResult& result) const {
    return cache_.entry_dir("sm_90a", result.cache_key);
  }
  /// Compiles once (a miss), damages the entry with `damage`, and checks that the next compile
  /// rebuilds the entry with the same cubin.
  void expect_rebuilt_after(const std::function<void(const fs::path& entry)>& damage) {
    const CompileResult first = compile(test::wgmma_fence_request(), cache_);
    ASSERT_TRUE(first.ok) << first.log;
    damage(entry_of(first));
    const CompileResult rebuilt = compile(test::wgmma_fence_request(), cache_);
    EXPECT_TRUE(rebuilt.ok) << rebuilt.log;
    EXPECT_FALSE(rebuilt.cache_hit);
    EXPECT_EQ(rebuilt.cubin, first.cubin);
    const CompileResult hit = compile(test::wgmma_fence_request(), cache_);
    EXPECT_TRUE(hit.cache_hit);
    EXPECT_EQ(hit.cubin, first.cubin);
    EXPECT_EQ(test::count_children_with_prefix(cache_.arch_dir("sm_90a"), "."), 0);
  }
};

TEST_F(KernelCacheTest, MissThenHitWithTheSameCubinAndReport) {
  const CompileResult miss = compile(test::wgmma_fence_request(), cache_);
  ASSERT_TRUE(miss.ok) << miss.log;
  EXPECT_FALSE(miss.cache_hit);
  EXPECT_TRUE(fs::exists(entry_of(miss) / kCubinFileName));
  EXPECT_TRUE(fs::exists(entry_of(miss) / kMetaFileName));
  EXPECT_EQ(entry_of(miss).parent_path().filename(), "v1-sm_90a");

  const CompileResult hit = compile(test::wgmma_fence_request(), cache_);
  EXPECT_TRUE(hit.ok);
  EXPECT_TRUE(hit.cache_hit);
  EXPECT_EQ(hit.compile_seconds, 0.0);
  EXPECT_EQ(hit.cache_key, miss.cache_key);
  EXPECT_EQ(hit.cubin, miss.cubin);
  EXPECT_EQ(hit.ptxas, miss.ptxas);
  EXPECT_EQ(hit.log, miss.log);
  EXPECT_EQ(hit.kernel_name, miss.kernel_name);
}

TEST_F(KernelCacheTest, FailedCompileIsCachedWithItsLog) {
  const CompileResult miss = compile(test::broken_request(), cache_);
  EXPECT_FALSE(miss.ok);
  EXPECT_FALSE(miss.cache_hit);
  EXPECT_FALSE(fs::exists(entry_of(miss) / kCubinFileName));
  const CompileResult hit = compile(test::broken_request(), cache_);
  EXPECT_FALSE(hit.ok);
  EXPECT_TRUE(hit.cache_hit);
  EXPECT_EQ(hit.log, miss.log);
  EXPECT_NE(hit.log.find("gt_undeclared_value"), std::string::npos) << hit.log;
}

TEST_F(KernelCacheTest, TruncatedCubinIsRebuilt) {
  expect_rebuilt_after([](const fs::path& entry) {
    fs::resize_file(entry / kCubinFileName, fs::file_size(entry / kCubinFileName) / 2);
  });
}

TEST_F(KernelCacheTest, FlippedCubinByteIsRebuilt) {
  expect_rebuilt_after([](const fs::path& entry) {
    std::string bytes = test::read_bytes(entry / kCubinFileName);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
    test::write_bytes(entry / kCubinFileName, bytes);
  });
}

TEST_F(KernelCacheTest, GarbageMetaJsonIsRebuilt) {
  expect_rebuilt_after([](const fs::path& entry) {
    test::write_bytes(entry / kMetaFileName, "{\"format_version\": 1, \"ok\": tr\x01\xff garbage");
  });
}

TEST_F(KernelCacheTest, MistypedMetaJsonIsRebuilt) {
  expect_rebuilt_after([](const fs::path& entry) {
    std::string meta = test::read_bytes(entry / kMetaFileName);
    meta.replace(meta.find("\"cubin_bytes\""), 13, "\"cubin_bytes\": \"many\", \"x\"");
    test::write_bytes(entry / kMetaFileName, meta);
  });
}

TEST_F(KernelCacheTest, MissingFilesAndEmptyEntryAreRebuilt) {
  expect_rebuilt_after([](const fs::path& entry) { fs::remove(entry / kMetaFileName); });
  cache_.clear();
  expect_rebuilt_after([](const fs::path& entry) { fs::remove(entry / kCubinFileName); });
  cache_.clear();
  expect_rebuilt_after([](const fs::path& entry) {
    fs::remove_all(entry);
    fs::create_directory(entry);
  });
}

TEST_F(KernelCacheTest, CacheRootThatIsAFileStillCompiles) {
  test::write_bytes(temp_.path() / "not_a_folder", "x");
  const KernelCache unwritable(temp_.path() / "not_a_folder");
  const CompileResult result = compile(test::wgmma_fence_request(), unwritable);
  EXPECT_TRUE(result.ok) << result.log;
  EXPECT_FALSE(result.cache_hit);
  EXPECT_FALSE(result.cubin.empty());
  EXPECT_TRUE(unwritable.list_entries().empty());
}

TEST_F(KernelCacheTest, ReadOnlyCacheFolderStillCompilesAndStillHits) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  const CompileResult warm = compile(test::wgmma_fence_request("gt_test_warm"), cache_);
  ASSERT_TRUE(warm.ok) << warm.log;
  fs::permissions(cache_.root(), fs::perms::owner_read | fs::perms::owner_exec);
  fs::permissions(cache_.arch_dir("sm_90a"), fs::perms::owner_read | fs::perms::owner_exec);
  const CompileResult fresh = compile(test::wgmma_fence_request(), cache_);
  EXPECT_TRUE(fresh.ok) << fresh.log;
  EXPECT_FALSE(fresh.cache_hit);
  const CompileResult hit = compile(test::wgmma_fence_request("gt_test_warm"), cache_);
  EXPECT_TRUE(hit.cache_hit);
  fs::permissions(cache_.arch_dir("sm_90a"), fs::perms::owner_all);
  fs::permissions(cache_.root(), fs::perms::owner_all);
}

TEST_F(KernelCacheTest, LosingThePublishRaceAdoptsTheWinnersEntry) {
  const CompileResult winner = compile(test::wgmma_fence_request(), cache_);
  ASSERT_TRUE(winner.ok);
  CompileResult loser = winner;  // a concurrent compile whose bytes differ (e.g. a newer NVRTC)
  loser.cubin.back() = static_cast<char>(loser.cubin.back() ^ 1);
  loser.compile_seconds = 7.0;
  const CompileResult published = cache_.store("sm_90a", loser);
  EXPECT_EQ(published.cubin, winner.cubin);
  EXPECT_FALSE(published.cache_hit);
  EXPECT_EQ(published.compile_seconds, 7.0);
  EXPECT_EQ(test::count_children_with_prefix(cache_.arch_dir("sm_90a"), "."), 0);
  EXPECT_EQ(cache_.list_entries().size(), 1u);
}

TEST_F(KernelCacheTest, KeyCoversSourceOptionsArchAndKernelName) {
  const CompileRequest base = test::wgmma_fence_request();
  EXPECT_EQ(cache_key(base), cache_key(test::wgmma_fence_request()));
  CompileRequest other = base;
  other.source += "\n";
  EXPECT_NE(cache_key(other), cache_key(base));
  other = base;
  other.extra_options = {"-DX=1"};
  EXPECT_NE(cache_key(other), cache_key(base));
  other = base;
  other.arch = "sm_100a";
  EXPECT_NE(cache_key(other), cache_key(base));
  other = base;
  other.kernel_name += "_";
  EXPECT_NE(cache_key(other), cache_key(base));
}

TEST_F(KernelCacheTest, ListAndClearTouchOnlyCacheFolders) {
  ASSERT_TRUE(compile(test::wgmma_fence_request("gt_test_a"), cache_).ok);
  ASSERT_TRUE(compile(test::wgmma_fence_request("gt_test_b"), cache_).ok);
  ASSERT_FALSE(compile(test::broken_request(), cache_).ok);
  test::write_bytes(cache_.root() / "notes.txt", "not the cache's");
  fs::create_directory(cache_.root() / "mine");

  const std::vector<CacheEntryInfo> entries = cache_.list_entries();
  ASSERT_EQ(entries.size(), 3u);
  int ok_entries = 0;
  for (const CacheEntryInfo& entry : entries) {
    EXPECT_TRUE(entry.valid) << entry.path;
    EXPECT_EQ(entry.arch, "sm_90a");
    EXPECT_EQ(entry.key.size(), 16u);
    EXPECT_GT(entry.size_bytes, 0);
    EXPECT_EQ(entry.ok, entry.cubin_bytes > 0);
    ok_entries += entry.ok ? 1 : 0;
  }
  EXPECT_EQ(ok_entries, 2);

  EXPECT_EQ(cache_.clear(), 3);
  EXPECT_TRUE(cache_.list_entries().empty());
  EXPECT_TRUE(fs::exists(cache_.root() / "notes.txt"));
  EXPECT_TRUE(fs::exists(cache_.root() / "mine"));
  EXPECT_FALSE(compile(test::wgmma_fence_request("gt_test_a"), cache_).cache_hit);
}

TEST(CacheDir, FollowsGemmtuneThenXdgThenHome) {
  const auto saved = [](const char* name) {
    const char* value = std::getenv(name);
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  const auto restore = [](const char* name, const std::optional<std::string>& value) {
    value ? setenv(name, value->c_str(), 1) : unsetenv(name);
  };
  const auto gemmtune = saved("GEMMTUNE_CACHE_DIR"), xdg = saved("XDG_CACHE_HOME"),
             home = saved("HOME");
  setenv("GEMMTUNE_CACHE_DIR", "/tmp/gt-a", 1);
  setenv("XDG_CACHE_HOME", "/tmp/gt-xdg", 1);
  setenv("HOME", "/tmp/gt-home", 1);
  EXPECT_EQ(cache_dir(), fs::path("/tmp/gt-a"));
  EXPECT_EQ(KernelCache::from_environment().root(), fs::path("/tmp/gt-a"));
  unsetenv("GEMMTUNE_CACHE_DIR");
  EXPECT_EQ(cache_dir(), fs::path("/tmp/gt-xdg/gemmtune"));
  setenv("XDG_CACHE_HOME", "", 1);
  EXPECT_EQ(cache_dir(), fs::path("/tmp/gt-home/.cache/gemmtune"));
  unsetenv("XDG_CACHE_HOME");
  unsetenv("HOME");
  EXPECT_TRUE(cache_dir().empty());
  EXPECT_FALSE(KernelCache::from_environment().enabled());
  restore("GEMMTUNE_CACHE_DIR", gemmtune);
  restore("XDG_CACHE_HOME", xdg);
  restore("HOME", home);
}

TEST(CacheDir, DefaultCompileUsesGemmtuneCacheDir) {
  test::TempDir temp;
  const char* previous = std::getenv("GEMMTUNE_CACHE_DIR");
  const std::optional<std::string> saved = previous ? std::optional<std::string>(previous) : std::nullopt;
  setenv("GEMMTUNE_CACHE_DIR", temp.path().c_str(), 1);
  const CompileResult miss = compile(test::wgmma_fence_request());
  const CompileResult hit = compile(test::wgmma_fence_request());
  saved ? setenv("GEMMTUNE_CACHE_DIR", saved->c_str(), 1) : unsetenv("GEMMTUNE_CACHE_DIR");
  EXPECT_FALSE(miss.cache_hit);
  EXPECT_TRUE(hit.cache_hit);
  EXPECT_TRUE(fs::exists(temp.path() / "v1-sm_90a" / miss.cache_key / kMetaFileName));
}

}  // namespace
}  // namespace gemmtune::jit
