// ReadmeLinks: the reference stays reachable. Every relative Markdown link in a README (and in
// results/'s Markdown) names a file or folder that exists, and every `path/README.md "Heading"`
// citation in code, scripts, build files and Markdown names an existing README with a heading of
// exactly that text. A citation without a path (`README "Section"`, the form before the reference
// moved beside the code) is reported too: it names no file a reader can open.
//
// Each check is a function over a given root, so the tests below run it on the repository and on
// a scratch tree that holds one broken link or citation of each kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace gemmtune::test {
namespace {

namespace fs = std::filesystem;

/// What a check looked at and what it found broken ("file:line: problem", in walk order).
struct CheckResult {
  int files = 0;    ///< files read
  int checked = 0;  ///< links or citations checked
  std::vector<std::string> problems;
};

/// Folders the checks never enter, relative to the root: build outputs, git's own data, and the
/// unmaintained lab (scripts/lab/, configs/lab/ say they are not kept in step with the tool).
/// NOTE: every other folder whose name starts with '.' is skipped too (.git, and the ignored
/// caches and dependency copies a working tree may hold); none of them is documentation.
bool skipped_folder(const fs::path& relative) {
  static const std::set<std::string> kSkipped = {"build", "scripts/lab", "configs/lab"};
  const std::string name = relative.filename().string();
  return kSkipped.count(relative.generic_string()) > 0 || (!name.empty() && name[0] == '.');
}

/// This file: its scratch trees are written from string literals full of broken links and
/// citations on purpose.
bool is_this_test(const fs::path& relative) {
  return relative.generic_string() == "tests/host/readme_links_test.cpp";
}

/// Every regular file under `root` outside the skipped folders (and other than this test), as
/// paths relative to `root`, sorted so that problems come out in a stable order.
std::vector<fs::path> repository_files(const fs::path& root) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path relative = fs::relative(it->path(), root);
    if (it->is_directory() && skipped_folder(relative)) {
      it.disable_recursion_pending();
    } else if (it->is_regular_file() && !is_this_test(relative)) {
      files.push_back(relative);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool is_fence(const std::string& line) {
  const size_t start = line.find_first_not_of(' ');
  return start != std::string::npos && (line.compare(start, 3, "```") == 0 ||
                                        line.compare(start, 3, "~~~") == 0);
}

/// `line` without its inline code spans (`...`), which show text, not links.
std::string without_code_spans(const std::string& line) {
  static const std::regex kSpan("`[^`]*`");
  return std::regex_replace(line, kSpan, "");
}

/// %XX escapes decoded (a link to "a%20b.md" names the file "a b.md").
std::string percent_decoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
        std::isxdigit(text[i + 2])) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

/// The file or folder a relative link target names, or nothing for links this check leaves
/// alone: other sites (a scheme such as https: or mailto:) and anchors within the same page.
std::optional<fs::path> link_path(const fs::path& root, const fs::path& markdown,
                                  std::string target) {
  static const std::regex kScheme("^[A-Za-z][A-Za-z0-9+.-]*:");
  if (target.empty() || target[0] == '#' || std::regex_search(target, kScheme)) return std::nullopt;
  target = target.substr(0, target.find_first_of("#?"));
  target = percent_decoded(target);
  // NOTE: a leading '/' is the repository's root, as GitHub resolves it.
  if (target[0] == '/') return root / target.substr(1);
  return root / markdown.parent_path() / target;
}

bool links_checked_in(const fs::path& relative) {
  const std::string path = relative.generic_string();
  return relative.filename() == "README.md" ||
         (path.rfind("results/", 0) == 0 && relative.extension() == ".md");
}

/// (a): every relative link of every README.md and of results/'s Markdown resolves.
CheckResult check_markdown_links(const fs::path& root) {
  // [text](target "title") and reference definitions "[label]: target".
  static const std::regex kInline(R"(\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\))");
  static const std::regex kReference(R"(^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?)");
  CheckResult result;
  for (const fs::path& relative : repository_files(root)) {
    if (!links_checked_in(relative)) continue;
    ++result.files;
    const std::vector<std::string> lines = read_lines(root / relative);
    bool in_fence = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (is_fence(lines[i])) in_fence = !in_fence;
      if (in_fence) continue;
      const std::string line = without_code_spans(lines[i]);
      std::vector<std::string> targets;
      for (std::sregex_iterator m(line.begin(), line.end(), kInline), end; m != end; ++m) {
        targets.push_back((*m)[1]);
      }
      if (std::smatch m; std::regex_search(line, m, kReference)) targets.push_back(m[1]);
      for (const std::string& target : targets) {
        const std::optional<fs::path> path = link_path(root, relative, target);
        if (!path) continue;
        ++result.checked;
        if (!fs::exists(*path)) {
          result.problems.push_back(relative.generic_string() + ":" + std::to_string(i + 1) +
                                    ": link to a missing file: " + target);
        }
      }
    }
  }
  return result;
}

/// The ATX headings (# to ######) of a Markdown file, outside fenced code, as written.
std::set<std::string> headings_of(const fs::path& markdown) {
  static const std::regex kHeading(R"(^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$)");
  std::set<std::string> headings;
  bool in_fence = false;
  for (const std::string& line : read_lines(markdown)) {
    if (is_fence(line)) in_fence = !in_fence;
    if (std::smatch m; !in_fence && std::regex_match(line, m, kHeading)) headings.insert(m[1]);
  }
  return headings;
}

bool citations_checked_in(const fs::path& relative) {
  static const std::set<std::string> kExtensions = {".cpp", ".hpp", ".cuh", ".h",
                                                    ".sh",  ".py",  ".cmake", ".md"};
  return relative.filename() == "CMakeLists.txt" ||
         kExtensions.count(relative.extension().string()) > 0;
}

/// (b): every `path/README.md "Heading"` citation names an existing README (path relative to the
/// root) with a heading of exactly that text; outside Markdown, a `README "Section"` without a
/// path is a problem too. Quotes may be escaped (a citation inside a C++ string literal), and in
/// Markdown the path may sit in backticks.
CheckResult check_readme_citations(const fs::path& root) {
  static const std::regex kCitation(
      R"re(((?:[A-Za-z0-9_.-]+/)*README\.md)`?[ \t]+\\?"([^"\\\n]+)\\?")re");
  static const std::regex kPathless(R"re((^|[^A-Za-z0-9_./-])README[ \t]+\\?"([^"\\\n]+)\\?")re");
  std::map<fs::path, std::set<std::string>> headings;  // README -> its headings, read once
  CheckResult result;
  for (const fs::path& relative : repository_files(root)) {
    if (!citations_checked_in(relative)) continue;
    ++result.files;
    const bool markdown = relative.extension() == ".md";
    const std::vector<std::string> lines = read_lines(root / relative);
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      const std::string where = relative.generic_string() + ":" + std::to_string(i + 1) + ": ";
      for (std::sregex_iterator m(line.begin(), line.end(), kCitation), end; m != end; ++m) {
        ++result.checked;
        const fs::path readme = root / (*m)[1].str();
        const std::string heading = (*m)[2];
        if (!fs::is_regular_file(readme)) {
          result.problems.push_back(where + "cites a missing file: " + (*m)[1].str());
          continue;
        }
        if (!headings.count(readme)) headings[readme] = headings_of(readme);
        if (!headings[readme].count(heading)) {
          result.problems.push_back(where + (*m)[1].str() + " has no heading \"" + heading + "\"");
        }
      }
      if (markdown) continue;
      for (std::sregex_iterator m(line.begin(), line.end(), kPathless), end; m != end; ++m) {
        ++result.checked;
        result.problems.push_back(where + "cites README \"" + (*m)[2].str() +
                                  "\" without a path: write path/README.md \"Heading\"");
      }
    }
  }
  return result;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

/// Writes `text` to `relative` under `root`, creating its folders.
void write_file(const fs::path& root, const std::string& relative, const std::string& text) {
  const fs::path file = root / relative;
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

TEST(ReadmeLinks, EveryRelativeLinkOfTheReadmesResolves) {
  const CheckResult result = check_markdown_links(GEMMTUNE_SOURCE_DIR);
  // NOTE: the top README and the reference READMEs link to each other; a walk that found no
  // link at all would pass vacuously.
  EXPECT_GE(result.files, 12);
  EXPECT_GE(result.checked, 12);
  EXPECT_TRUE(result.problems.empty()) << joined(result.problems);
}

TEST(ReadmeLinks, EveryReadmeCitationNamesAnExistingHeading) {
  const CheckResult result = check_readme_citations(GEMMTUNE_SOURCE_DIR);
  EXPECT_GE(result.checked, 100) << "the walk found too few citations to be looking at the code";
  EXPECT_TRUE(result.problems.empty()) << joined(result.problems);
}

TEST(ReadmeLinks, ABrokenLinkInAScratchTreeIsReported) {
  const TempDir dir;
  const fs::path root = dir.path();
  write_file(root, "docs/guide.md", "# Guide\n");
  write_file(root, "docs/a b.md", "# Spaced\n");
  write_file(root, "README.md",
             "# Top\n"
             "[guide](docs/guide.md#guide) [spaced](docs/a%20b.md) [folder](docs/) [root](/docs)\n"
             "[site](https://example.com/x.md) [here](#top) `[code](gone.md)`\n"
             "```\n[fenced](gone-too.md)\n```\n"
             "[missing](docs/missing.md \"title\")\n"
             "[ref]: docs/also-missing.md\n");
  write_file(root, "results/index.md", "[run](h200/)\n");
  write_file(root, "notes.md", "[not a README](gone.md)\n");
  write_file(root, "build/README.md", "[skipped](gone.md)\n");
  write_file(root, "scripts/lab/README.md", "[skipped](gone.md)\n");

  const CheckResult result = check_markdown_links(root);
  EXPECT_EQ(result.checked, 7);
  EXPECT_EQ(joined(result.problems),
            "README.md:7: link to a missing file: docs/missing.md\n"
            "README.md:8: link to a missing file: docs/also-missing.md\n"
            "results/index.md:1: link to a missing file: h200/\n");
}

TEST(ReadmeLinks, ABrokenCitationInAScratchTreeIsReported) {
  const TempDir dir;
  const fs::path root = dir.path();
  write_file(root, "docs/README.md",
             "# docs: the reference\n## Good heading\n```\n# Fenced, not a heading\n```\n");
  write_file(root, "src/a.cpp",
             "// See docs/README.md \"Good heading\".\n"
             "// See docs/README.md \"Missing heading\" and nope/README.md \"X\".\n"
             "const char* help = \"shape set (docs/README.md \\\"Good heading\\\")\";\n"
             "// Old form: README \"Old section\".\n"
             "// DeepGEMM's README lists its shapes; so does docs/README.md \"Fenced, not a heading\".\n");
  write_file(root, "notes.md", "See `docs/README.md` \"Good heading\" and README \"Prose\".\n");
  write_file(root, "CMakeLists.txt", "# docs/README.md \"docs: the reference\"\n");
  write_file(root, "data.json", "{\"d\": \"docs/README.md \\\"Not checked\\\"\"}\n");
  write_file(root, "scripts/lab/probe.sh", "# docs/README.md \"Lab, not checked\"\n");
  write_file(root, "build/gen.cpp", "// README \"Build output, not checked\"\n");

  const CheckResult result = check_readme_citations(root);
  EXPECT_EQ(result.checked, 8);
  EXPECT_EQ(joined(result.problems),
            "src/a.cpp:2: docs/README.md has no heading \"Missing heading\"\n"
            "src/a.cpp:2: cites a missing file: nope/README.md\n"
            "src/a.cpp:4: cites README \"Old section\" without a path: write path/README.md "
            "\"Heading\"\n"
            "src/a.cpp:5: docs/README.md has no heading \"Fenced, not a heading\"\n");
}

}  // namespace
}  // namespace gemmtune::test
