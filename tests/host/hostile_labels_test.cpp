// Hostile labels through every generated format: summary.md, report.html, roofline.svg and the
// json, csv, cpp, cublaslt and bundle exports. A label (and a GPU name) may hold a newline, a CR,
// `*/`, `#define`, quotes, backslashes, `<script>`, `|`, control bytes, invalid UTF-8 or a
// megabyte; each output must keep its structure and show the text inert. The C++ headers are
// compiled with g++, with a probe that fails when a label defined GEMMTUNE_INJECTED.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bounded_child.hpp"
#include "report/export.hpp"
#include "report/export_bundle.hpp"
#include "report/render.hpp"
#include "report/tuning_table.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

namespace fs = std::filesystem;
using report::Json;

/// The corpus. Each label is a problem of the hostile table.
std::vector<std::string> hostile_labels() {
  return {
      "q_b\n#define GEMMTUNE_INJECTED 1\n//",
      "cr\r#define GEMMTUNE_INJECTED 1\r//",
      "*/ #define GEMMTUNE_INJECTED 1 /*",
      "ends in a backslash \\",
      "splice \\\n#define GEMMTUNE_INJECTED 1",
      "trigraph ??/",
      "quotes \" ' \"\"); #define GEMMTUNE_INJECTED 1 //",
      "<script>alert(1)</script><img src=x onerror=alert(1)>",
      "pipes | in || a | cell",
      "`tick` [link](javascript:alert(1)) & <b>",
      std::string("control \x01\x02\x1b[31m\x7f\t") + std::string(1, '\0') + "after NUL",
      "bidi \xe2\x80\xae reversed \xe2\x81\xa6",
      "invalid UTF-8 \xff\xfe \xc3( \xed\xa0\x80",
      "csv, \"quoted\"\n=HYPERLINK(\"x\")",
      std::string(1 << 20, 'x') + "\n#define GEMMTUNE_INJECTED 1\n",
  };
}

/// A tuning table with one dense problem per label (N = 256 * (i + 1)), each with a legal config
/// and the three cuBLASLt baselines; the GPU name is hostile too.
report::TuningTable table_with_labels(const std::vector<std::string>& labels) {
  report::TuningTable table;
  table.env.raw = Json{{"tool_version", "0.1.0\n#define GEMMTUNE_INJECTED 1"}, {"git_rev", "\\"}};
  table.env.gpu_name = "H200 <script>x</script>\n#define GEMMTUNE_INJECTED 1\n|";
  table.env.driver = "580 */ \\";
  table.env.cuda_runtime = "13.0";
  table.env.nvrtc = "13.0";
  table.env.cublaslt = "13.0";
  table.env.timing_mode = "kernel";
  for (size_t i = 0; i < labels.size(); ++i) {
    report::TableEntry e{.m = 64, .config = "bm64_bn128_s6_mc0_sm132_rN8_sk1",
                         .selected_by = "screening", .median_us = 10.0 + static_cast<double>(i),
                         .spread_rel = 0.01, .timing_mode = "kernel"};
    for (const report::RunKind kind : report::kBaselineKinds) {
      e.baselines[kind] = {.median_us = 12.0, .spread_rel = 0.02, .algo = Json{{"id", 7}}};
    }
    table.problems.push_back({.label = labels[i], .n = 256 * static_cast<int64_t>(i + 1), .k = 7168,
                              .entries = {e}});
  }
  return table;
}

/// Whether `text` is valid UTF-8 without control bytes other than '\n'.
bool clean_utf8_lines(const std::string& text, std::string* why) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) {
        *why = "control byte " + std::to_string(c) + " at " + std::to_string(i);
        return false;
      }
      ++i;
      continue;
    }
    const size_t length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (length == 0 || i + length > text.size()) {
      *why = "invalid UTF-8 at " + std::to_string(i);
      return false;
    }
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) {
        *why = "invalid UTF-8 at " + std::to_string(i);
        return false;
      }
    }
    // NOTE: the bidi overrides U+202A-U+202E and isolates U+2066-U+2069 must not pass raw.
    if (length == 3 && c == 0xe2 &&
        ((static_cast<unsigned char>(text[i + 1]) == 0x80 &&
          static_cast<unsigned char>(text[i + 2]) >= 0xaa &&
          static_cast<unsigned char>(text[i + 2]) <= 0xae) ||
         (static_cast<unsigned char>(text[i + 1]) == 0x81 &&
          static_cast<unsigned char>(text[i + 2]) >= 0xa6 &&
          static_cast<unsigned char>(text[i + 2]) <= 0xa9))) {
      *why = "bidi control at " + std::to_string(i);
      return false;
    }
    i += length;
  }
  return true;
}

/// The lines of `text` starting with `prefix`.
std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t end = std::min(text.find('\n', begin), text.size());
    const std::string line = text.substr(begin, end - begin);
    if (line.rfind(prefix, 0) == 0) lines.push_back(line);
    begin = end + 1;
  }
  return lines;
}

/// Occurrences of `needle` in `text`.
int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

/// Cell separators of a GitHub Markdown table row: `|` not escaped by a backslash.
int unescaped_pipes(const std::string& line) {
  int pipes = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '|') {
      ++pipes;
    }
  }
  return pipes;
}

/// RFC 4180 records of `csv`.
std::vector<std::vector<std::string>> parse_csv(const std::string& csv) {
  std::vector<std::vector<std::string>> records(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      records.back().push_back(field);
      field.clear();
      records.emplace_back();
    } else {
      field += c;
    }
  }
  if (records.back().empty()) records.pop_back();
  return records;
}

/// Compiles `probe` (C++17, -fsyntax-only) in `dir` with `flags`; returns g++'s output, "" when
/// it compiled.
std::string compile_errors(const test::TempDir& dir, const std::string& probe,
                           const std::string& flags) {
  const std::string source = dir.write("probe.cpp", probe);
  const std::string log = (dir.path() / "gxx.log").string();
  const std::string command = "g++ -std=c++17 -fsyntax-only " + flags + " -I'" +
                              dir.path().string() + "' '" + source + "' >'" + log + "' 2>&1";
  const int status = std::system(command.c_str());
  const std::string output = test::read_text(log);
  return status == 0 ? "" : output.empty() ? "g++ failed" : output.substr(0, 4000);
}

class HostileLabels : public ::testing::Test {
 protected:
  std::vector<std::string> labels_ = hostile_labels();
  report::TuningTable table_ = table_with_labels(labels_);
};

TEST_F(HostileLabels, SummaryMarkdownRowsStayOneLineWithTheirCells) {
  const std::string md = report::render_summary_md(table_);
  std::string why;
  EXPECT_TRUE(clean_utf8_lines(md, &why)) << why;
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_EQ(md.find("<img"), std::string::npos);
  EXPECT_EQ(md.find("\n#define"), std::string::npos);
  const std::vector<std::string> rows = lines_starting_with(md, "| ");
  const std::string benign = report::render_summary_md(table_with_labels(std::vector<std::string>(labels_.size(), "plain")));
  const std::vector<std::string> benign_rows = lines_starting_with(benign, "| ");
  ASSERT_EQ(rows.size(), benign_rows.size()) << "a label split or added a table row";
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(unescaped_pipes(rows[i]), unescaped_pipes(benign_rows[i]))
        << "row " << i << ": " << rows[i].substr(0, 300);
  }
  EXPECT_EQ(lines_starting_with(md, "- ").size(), lines_starting_with(benign, "- ").size());
}

TEST_F(HostileLabels, HtmlAndSvgAreEscapedValidUtf8) {
  for (const auto& [name, text] : {std::pair{"report.html", report::render_report_html(table_)},
                                   std::pair{"roofline.svg", report::render_roofline_svg(table_)}}) {
    std::string why;
    EXPECT_TRUE(clean_utf8_lines(text, &why)) << name << ": " << why;
    EXPECT_EQ(text.find("<script"), std::string::npos) << name;
    EXPECT_EQ(text.find("<img"), std::string::npos) << name;
    EXPECT_NE(text.find("&lt;script&gt;"), std::string::npos) << name;
  }
  const std::string html = report::render_report_html(table_);
  EXPECT_EQ(count_of(html, "<tr>"),
            count_of(report::render_report_html(table_with_labels(
                               std::vector<std::string>(labels_.size(), "plain"))),
                           "<tr>"));
}

TEST_F(HostileLabels, CsvQuotesEveryLabelExactly) {
  const std::vector<std::vector<std::string>> records =
      parse_csv(report::export_table(table_, report::ExportFormat::kCsv));
  ASSERT_EQ(records.size(), labels_.size() + 1);
  const std::vector<std::string>& header = records.front();
  for (size_t i = 1; i < records.size(); ++i) {
    ASSERT_EQ(records[i].size(), header.size()) << "record " << i;
    EXPECT_EQ(records[i][0], labels_[i - 1]) << "record " << i;
  }
}

TEST_F(HostileLabels, JsonExportsParseBackWithEveryLabel) {
  for (const report::ExportFormat format : {report::ExportFormat::kJson, report::ExportFormat::kCublaslt}) {
    const std::string text = report::export_table(table_, format);
    const Json j = Json::parse(text);
    const Json& list = format == report::ExportFormat::kJson ? j.at("problems") : j.at("entries");
    ASSERT_EQ(list.size(), labels_.size());
    for (size_t i = 0; i < labels_.size(); ++i) {
      const std::string label = list[i].at("label").get<std::string>();
      // Invalid UTF-8 is replaced (U+FFFD); everything else comes back exactly.
      if (labels_[i].find("invalid UTF-8") == 0) {
        EXPECT_NE(label.find("\xef\xbf\xbd"), std::string::npos);
      } else {
        EXPECT_EQ(label, labels_[i]);
      }
    }
  }
}

TEST_F(HostileLabels, CppHeaderCompilesAndDefinesNothing) {
  const test::TempDir dir;
  const std::string header = report::export_table(table_, report::ExportFormat::kCpp);
  std::string why;
  EXPECT_TRUE(clean_utf8_lines(header, &why)) << why;
  static_cast<void>(dir.write("tuned.h", header));
  const std::string probe =
      "#include \"tuned.h\"\n"
      "#ifdef GEMMTUNE_INJECTED\n#error a label defined GEMMTUNE_INJECTED\n#endif\n"
      "static_assert(gemmtune_tuned::kNumEntries == " + std::to_string(labels_.size()) + ");\n"
      "static_assert(gemmtune_tuned::select(64, 256, 7168) != nullptr);\n";
  EXPECT_EQ(compile_errors(dir, probe, ""), "");
  // NOTE: with trigraphs on, `??/` is a backslash that splices the next line into a comment.
  EXPECT_EQ(compile_errors(dir, probe, "-trigraphs"), "");
}

TEST_F(HostileLabels, BundleHeaderCompilesAndDefinesNothing) {
  const fs::path cuda_h = "/usr/local/cuda/include/cuda.h";
  if (!fs::exists(cuda_h)) GTEST_SKIP() << "no " << cuda_h << " to compile the bundle against";
  const fs::path kernels = fs::path(GEMMTUNE_SOURCE_DIR) / "kernels";
  const report::BundleBuild build{.nvrtc_version = "13.0\n#define GEMMTUNE_INJECTED 1",
                                  .arch = "sm_90a",
                                  .params_header = test::read_text(kernels / "gemmtune_params.h"),
                                  .launch_header = test::read_text(kernels / "sm90_fp8_gemm_1d2d_launch.h"),
                                  .dispatcher_header = test::read_text(kernels / "sm90_fp8_gemm_1d2d_bundle.h")};
  std::vector<report::BundleKernel> kernels_built;
  for (const KernelConfig& c : report::bundle_configs(table_)) {
    kernels_built.push_back({.config = c, .symbol = "sm90_fp8_gemm_1d2d_" + to_string(c),
                             .cubin = std::vector<char>(64, 'x'), .cubin_fnv1a64 = "0123456789abcdef",
                             .registers = 168, .spill_bytes = 0});
  }
  const test::TempDir dir;
  for (const report::BundleFile& f : report::export_bundle(table_, kernels_built, build)) {
    fs::create_directories((dir.path() / f.path).parent_path());
    std::ofstream(dir.path() / f.path, std::ios::binary) << f.contents;
  }
  std::string why;
  EXPECT_TRUE(clean_utf8_lines(test::read_text(dir.path() / "gemmtune_bundle.h"), &why)) << why;
  const std::string probe =
      "#include \"gemmtune_bundle.h\"\n"
      "#ifdef GEMMTUNE_INJECTED\n#error a label defined GEMMTUNE_INJECTED\n#endif\n"
      "static_assert(gemmtune_bundle::kNumEntries == " + std::to_string(labels_.size()) + ");\n";
  EXPECT_EQ(compile_errors(dir, probe, "-I" + cuda_h.parent_path().string()), "");
  EXPECT_EQ(compile_errors(dir, probe, "-trigraphs -I" + cuda_h.parent_path().string()), "");
}

// The same corpus (what JSON can carry: valid UTF-8) through the binary: a run folder whose
// records carry the labels, reported and exported, each run bounded in time and memory.
TEST_F(HostileLabels, TheBinaryReportsAndExportsARunFolderOfHostileLabels) {
  const test::TempDir dir;
  const fs::path run = dir.path() / "run";
  fs::create_directories(run);
  const fs::path fixture = fs::path(GEMMTUNE_TEST_FIXTURES) / "run_small";
  fs::copy_file(fixture / "env.json", run / "env.json");
  std::string runs = test::read_text(fixture / "runs.jsonl");
  const auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t at = runs.find(from); at != std::string::npos; at = runs.find(from, at + to.size())) {
      runs.replace(at, from.size(), to);
    }
  };
  const std::string first = "q_b\n#define GEMMTUNE_INJECTED 1\n// */ <script>alert(1)</script> | \\";
  const std::string second = std::string(1 << 20, 'y') + "\r\n#define GEMMTUNE_INJECTED 1 ??/";
  replace_all("\"qkv_a_proj\"", Json(first).dump());
  replace_all("\"o_proj\"", Json(second).dump());
  std::ofstream(run / "runs.jsonl", std::ios::binary) << runs;

  const test::ChildCaps caps{.address_space_bytes = int64_t{4} << 30, .timeout_s = 60};
  double worst_s = 0;
  int64_t worst_kb = 0;
  const auto gemmtune = [&](const std::vector<std::string>& args, const std::string& out) {
    const std::string err = (dir.path() / "stderr").string();
    const test::ChildOutcome o = test::run_program_bounded(test::gemmtune_binary(), args, out, err, caps);
    worst_s = std::max(worst_s, o.wall_s);
    worst_kb = std::max(worst_kb, o.max_rss_kb);
    EXPECT_EQ(o.exit_code, 0) << args[0] << ": signal " << o.signal << ": " << test::read_text(err);
  };
  const fs::path report_dir = dir.path() / "report";
  gemmtune({"report", run.string(), "--out", report_dir.string()}, (dir.path() / "report.out").string());
  const std::string md = test::read_text(report_dir / "summary.md");
  // The same folder with its own labels: the hostile ones add no row and split no cell.
  const fs::path plain_dir = dir.path() / "plain_report";
  gemmtune({"report", fixture.string(), "--out", plain_dir.string()}, (dir.path() / "plain.out").string());
  const std::vector<std::string> rows = lines_starting_with(md, "| ");
  const std::vector<std::string> plain_rows =
      lines_starting_with(test::read_text(plain_dir / "summary.md"), "| ");
  ASSERT_EQ(rows.size(), plain_rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(unescaped_pipes(rows[i]), unescaped_pipes(plain_rows[i])) << rows[i].substr(0, 300);
  }
  EXPECT_EQ(md.find("\n#define"), std::string::npos);
  EXPECT_EQ(md.find("<script"), std::string::npos);
  for (const char* name : {"report.html", "roofline.svg"}) {
    const std::string text = test::read_text(report_dir / name);
    std::string why;
    EXPECT_TRUE(clean_utf8_lines(text, &why)) << name << ": " << why;
    EXPECT_EQ(text.find("<script"), std::string::npos) << name;
  }
  for (const std::string format : {"json", "csv", "cpp", "cublaslt"}) {
    const std::string out = (dir.path() / ("export." + format)).string();
    gemmtune({"export", run.string(), "--format", format}, out);
    const std::string text = test::read_text(out);
    if (format == "json" || format == "cublaslt") {
      EXPECT_NE(Json::parse(text).dump().find(Json(first).dump()), std::string::npos) << format;
    } else if (format == "csv") {
      const auto records = parse_csv(text);
      ASSERT_GT(records.size(), 1u);
      for (size_t i = 1; i < records.size(); ++i) {
        EXPECT_EQ(records[i].size(), records[0].size()) << "record " << i;
        EXPECT_TRUE(records[i][0] == first || records[i][0] == second) << "record " << i;
      }
    } else {
      std::filesystem::copy_file(out, dir.path() / "tuned.h");
      const std::string probe =
          "#include \"tuned.h\"\n"
          "#ifdef GEMMTUNE_INJECTED\n#error a label defined GEMMTUNE_INJECTED\n#endif\n"
          "static_assert(gemmtune_tuned::kNumEntries > 0);\n";
      EXPECT_EQ(compile_errors(dir, probe, "-trigraphs"), "");
    }
  }
  std::printf("HostileLabels: worst child %.2f s, %lld MiB resident\n", worst_s,
              static_cast<long long>(worst_kb / 1024));
  EXPECT_LT(worst_s, 30.0);
}

}  // namespace
}  // namespace gemmtune
