// core/atomic_file: files are replaced whole and never written through a link; folders appear
// whole, are refused when foreign or linked, and replace only an earlier output of their kind.
#include "core/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/exit_codes.hpp"
#include "output_child.hpp"
#include "test_support.hpp"

namespace gemmtune::test {
namespace {

namespace fs = std::filesystem;

TEST(AtomicFile, WritesTheWholeFileAndLeavesNothingBeside) {
  const TempDir dir;
  const fs::path file = dir.path() / "out.json";
  write_file_atomically(file, "first\n");
  EXPECT_EQ(read_text(file), "first\n");
  write_file_atomically(file, std::string(100000, 'x'));
  EXPECT_EQ(read_text(file), std::string(100000, 'x'));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out.json"});
}

// The replaced file's permissions stay (a private or read-only output stays so); a new file gets
// the default mode.
TEST(AtomicFile, ReplacingAFileKeepsItsMode) {
  const TempDir dir;
  const fs::path file = dir.path() / "private.h";
  write_file_atomically(file, "first\n");
  const fs::perms fresh = fs::status(file).permissions();
  for (const fs::perms mode : {fs::perms::owner_read | fs::perms::owner_write, fs::perms::owner_read}) {
    fs::permissions(file, mode);
    write_file_atomically(file, "again\n");
    EXPECT_EQ(read_text(file), "again\n");
    EXPECT_EQ(fs::status(file).permissions(), mode);
  }
  EXPECT_NE(fresh, fs::perms::owner_read);
}

TEST(AtomicFile, ReplacesALinkAtTheTargetAndLeavesWhatItPointsTo) {
  const TempDir dir;
  const std::string victim = dir.write("victim.txt", "precious\n");
  const fs::path link = dir.path() / "out.txt";
  fs::create_symlink(victim, link);
  write_file_atomically(link, "result\n");
  EXPECT_EQ(read_text(victim), "precious\n");
  EXPECT_FALSE(fs::is_symlink(link));
  EXPECT_EQ(read_text(link), "result\n");
  // A dangling link is replaced too, never created through.
  const fs::path dangling = dir.path() / "dangling.txt";
  fs::create_symlink(dir.path() / "created_through_link", dangling);
  write_file_atomically(dangling, "x");
  EXPECT_FALSE(fs::exists(dir.path() / "created_through_link"));
  EXPECT_FALSE(fs::is_symlink(dangling));
}

TEST(AtomicFile, AFailureNamesThePathAndTheReasonAndLeavesNothing) {
  const TempDir dir;
  const fs::path missing = dir.path() / "no_such_folder" / "out.txt";
  const CaughtError e = catch_error([&] { write_file_atomically(missing, "x"); });
  EXPECT_EQ(e.code, kExitIoError);
  EXPECT_NE(e.message.find(missing.string()), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("No such file or directory"), std::string::npos) << e.message;
  // A folder at the target: the rename fails, the temporary file goes.
  fs::create_directory(dir.path() / "a_folder");
  const CaughtError folder = catch_error([&] { write_file_atomically(dir.path() / "a_folder", "x"); });
  EXPECT_EQ(folder.code, kExitIoError);
  EXPECT_NE(folder.message.find("Is a directory"), std::string::npos) << folder.message;
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"a_folder"});
}

TEST(AtomicFile, WritesToADeviceInPlace) {
  write_file_atomically("/dev/null", "discarded");
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  const CaughtError e = catch_error([] { write_file_atomically("/dev/full", "x"); });
  EXPECT_EQ(e.code, kExitIoError);
  EXPECT_NE(e.message.find("No space left on device"), std::string::npos) << e.message;
}

TEST(AtomicFile, MakeRealFolderRefusesALink) {
  const TempDir dir;
  fs::create_directory(dir.path() / "real");
  fs::create_directory_symlink(dir.path() / "real", dir.path() / "link");
  const CaughtError e = catch_error([&] { make_real_folder(dir.path() / "link", "--out"); });
  EXPECT_EQ(e.code, kExitUsage);
  EXPECT_NE(e.message.find("symbolic link"), std::string::npos) << e.message;
  make_real_folder(dir.path() / "new" / "nested", "--out");
  EXPECT_TRUE(fs::is_directory(dir.path() / "new" / "nested"));
}

TEST(StagedFolder, AppearsWholeOnCommitAndNotAtAllWithout) {
  const TempDir dir;
  const fs::path target = dir.path() / "bundle";
  {
    StagedFolder out(target, "bundle", "--out");
    EXPECT_EQ(out.write("cubins/a.cubin", "A"), target / "cubins" / "a.cubin");
    EXPECT_FALSE(fs::exists(target));
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(names_in(dir.path()).empty()) << "the staging folder is removed";
  StagedFolder out(target, "bundle", "--out");
  (void)out.write("manifest.json", "{}\n");
  (void)out.write("cubins/a.cubin", "A");
  out.commit();
  EXPECT_EQ(names_in(target), (std::vector<std::string>{kOutputMarker, "cubins", "manifest.json"}));
  EXPECT_EQ(read_text(target / kOutputMarker), "gemmtune-output bundle\n");
  EXPECT_EQ(read_text(target / "cubins" / "a.cubin"), "A");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"bundle"});
}

TEST(StagedFolder, ReplacesAnEarlierOutputOfItsKindWhole) {
  const TempDir dir;
  const fs::path target = dir.path() / "cubins";
  {
    StagedFolder first(target, "cubins", "--cubin-out");
    (void)first.write("old.cubin", "old");
    first.commit();
  }
  StagedFolder second(target, "cubins", "--cubin-out");
  (void)second.write("new.cubin", "new");
  second.commit();
  EXPECT_EQ(names_in(target), (std::vector<std::string>{kOutputMarker, "new.cubin"}));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"cubins"});
  // An empty folder is taken as well.
  fs::create_directory(dir.path() / "empty");
  StagedFolder empty(dir.path() / "empty", "report", "--out");
  (void)empty.write("summary.md", "# s\n");
  empty.commit();
  EXPECT_TRUE(is_output_of_kind(dir.path() / "empty", "report"));
}

TEST(StagedFolder, RefusesForeignLinkedAndOtherKindsOfFolders) {
  const TempDir dir;
  const auto expect_refused = [&](const fs::path& target, const std::string& part) {
    const CaughtError e = catch_error([&] { StagedFolder out(target, "bundle", "--out"); });
    EXPECT_EQ(e.code, kExitUsage) << e.message;
    EXPECT_NE(e.message.find("--out " + target.string()), std::string::npos) << e.message;
    EXPECT_NE(e.message.find(part), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find('\n'), std::string::npos) << e.message;
  };
  // Foreign and not empty.
  fs::create_directories(dir.path() / "foreign" / "cubins");
  (void)dir.write("foreign/cubins/keep.cubin", "keep");
  expect_refused(dir.path() / "foreign", "is not empty and holds no gemmtune output");
  EXPECT_EQ(read_text(dir.path() / "foreign" / "cubins" / "keep.cubin"), "keep");
  // A link as the folder.
  fs::create_directory_symlink(dir.path() / "foreign", dir.path() / "linked");
  expect_refused(dir.path() / "linked", "symbolic link");
  // An earlier bundle whose cubins/ is a link to a foreign folder.
  {
    StagedFolder earlier(dir.path() / "owned", "bundle", "--out");
    (void)earlier.write("manifest.json", "{}");
    earlier.commit();
  }
  fs::create_directory_symlink(dir.path() / "foreign" / "cubins", dir.path() / "owned" / "cubins");
  expect_refused(dir.path() / "owned", "symbolic link (cubins)");
  EXPECT_EQ(read_text(dir.path() / "foreign" / "cubins" / "keep.cubin"), "keep");
  // Another kind of gemmtune output.
  {
    StagedFolder merged(dir.path() / "merged", "merge", "--out");
    (void)merged.write("runs.jsonl", "{}\n");
    merged.commit();
  }
  expect_refused(dir.path() / "merged", "holds a gemmtune merge output, not a bundle one");
  EXPECT_EQ(read_text(dir.path() / "merged" / "runs.jsonl"), "{}\n");
  // A file in the way.
  (void)dir.write("file", "x");
  expect_refused(dir.path() / "file", "not a folder");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"file", "foreign", "linked", "merged", "owned"}));
}

TEST(StagedFolder, RefusesNamesThatLeaveTheFolder) {
  const TempDir dir;
  StagedFolder out(dir.path() / "out", "bundle", "--out");
  for (const char* name : {"../escaped", "/abs/file", "a/../../escaped"}) {
    const CaughtError e = catch_error([&] { (void)out.write(name, "x"); });
    EXPECT_NE(e.message.find("leaves its folder"), std::string::npos) << e.message;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "escaped"));
}

}  // namespace
}  // namespace gemmtune::test
