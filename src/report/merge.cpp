// Joining run folders (the shards of a sweep) into one: checks, record order, env.json.
#include "report/merge.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/problem.hpp"
#include "report/render.hpp"
#include "report/serving_fields.hpp"
#include "report/tuning_table.hpp"

namespace gemmtune::report {
namespace {

/// One folder as read.
struct Source {
  std::filesystem::path dir;
  size_t position = 0;  ///< in the command line
  RunEnv env;
  std::vector<Json> records;
  std::vector<RunRecord> runs;
  std::vector<std::string> warnings;
  std::optional<Json> shard;  ///< env.json's "shard" object; none for a whole sweep
  int shard_index = 0;        ///< its index and count (0 for a whole sweep)
  int shard_count = 0;
};

/// `key` of the shard object as text ("" when absent), for comparisons and messages.
std::string shard_text(const Source& s, const char* key) {
  if (!s.shard || !s.shard->contains(key)) return "";
  const Json& v = s.shard->at(key);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// NOTE: sweep/shard.hpp allows N <= 4096; a reader accepts up to 2^20 so that a later limit
// still reads, and refuses what would overflow an int.
constexpr int64_t kMaxShardNumber = int64_t{1} << 20;

int shard_int(const Json& shard, const char* key, const JsonAt& at) {
  const Json v = shard.value(key, Json());
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kMaxShardNumber) {
    (at / "shard" / key).fail(fmt::format("expected an integer from 1 to {}", kMaxShardNumber));
  }
  return static_cast<int>(v.get<int64_t>());
}

Source read_source(const std::filesystem::path& dir, size_t position) {
  if (!std::filesystem::is_directory(dir)) {
    throw_input_error(dir.string(), "$", "not a run folder (expected a directory)");
  }
  Source s{.dir = dir, .position = position};
  const std::string env_file = (dir / "env.json").string();
  const Json env = read_json_file(env_file);
  s.env = parse_env(env, JsonAt{env_file});
  if (s.env.raw.contains("shard") && s.env.raw.at("shard").is_object()) {
    s.shard = s.env.raw.at("shard");
    s.shard_index = shard_int(*s.shard, "index", JsonAt{env_file});
    s.shard_count = shard_int(*s.shard, "count", JsonAt{env_file});
  }
  // NOTE: the records are kept as read (every member, in file order) so that runs.jsonl of the
  // merged folder carries what the shards wrote; each is also parsed, which validates it.
  read_json_lines<Json>((dir / "runs.jsonl").string(), s.warnings,
                        [&](Json& j, int64_t line, const std::string& where) {
                          RunRecord record = parse_run_record(j, JsonAt{where});
                          record.line = line;
                          s.runs.push_back(std::move(record));
                          s.records.push_back(std::move(j));
                        });
  return s;
}

/// Differences of `s` from the first source `ref`, one text per field.
void environment_conflicts(const Source& ref, const Source& s, std::vector<std::string>& out) {
  const auto differ = [&](const char* what, const std::string& a, const std::string& b) {
    if (a != b) {
      out.push_back(fmt::format("{}: {} \"{}\" differs from \"{}\" in {}", s.dir.string(), what,
                                b, a, ref.dir.string()));
    }
  };
  differ("GPU", ref.env.gpu_name, s.env.gpu_name);
  differ("driver", ref.env.driver, s.env.driver);
  differ("CUDA runtime", ref.env.cuda_runtime, s.env.cuda_runtime);
  differ("NVRTC", ref.env.nvrtc, s.env.nvrtc);
  differ("cuBLASLt", ref.env.cublaslt, s.env.cublaslt);
  differ("timing mode", ref.env.timing_mode, s.env.timing_mode);
  differ("run-off regime", env_runoff_regime(ref.env.raw), env_runoff_regime(s.env.raw));
  for (const std::string& conflict : serving_conflicts(ref.env.raw, s.env.raw)) {
    out.push_back(fmt::format("{} -> {}: {}", ref.dir.string(), s.dir.string(), conflict));
  }
  // NOTE: measured roofs name the GPU they were measured on; like the records, the roofs of one
  // table come from one model (shard 1's are the merged folder's).
  if (ref.env.roofs.source == RoofSource::kMeasured &&
      s.env.roofs.source == RoofSource::kMeasured) {
    differ("roofs' GPU", ref.env.roofs.device, s.env.roofs.device);
  }
  if (ref.shard.has_value() != s.shard.has_value()) {
    out.push_back(fmt::format("{} is {} but {} is {}", s.dir.string(),
                              s.shard ? "a shard" : "a whole sweep", ref.dir.string(),
                              ref.shard ? "a shard" : "a whole sweep"));
    return;
  }
  if (!s.shard) {
    // Whole sweeps: of one shape set (its name and problems, as a resumed sweep checks them).
    const std::string ref_name = env_text(ref.env.raw, "shapes", "name");
    const std::string name = env_text(s.env.raw, "shapes", "name");
    differ("shape set", ref_name, name);
    if (ref_name == name &&
        env_member(ref.env.raw, "shapes", "problems") != env_member(s.env.raw, "shapes", "problems")) {
      out.push_back(fmt::format("{}: the shape set's problems differ from {}'s", s.dir.string(),
                                ref.dir.string()));
    }
    return;
  }
  differ("shard count", shard_text(ref, "count"), shard_text(s, "count"));
  differ("shard split", shard_text(ref, "split"), shard_text(s, "split"));
  differ("shape set (problems_digest)", shard_text(ref, "problems_digest"),
         shard_text(s, "problems_digest"));
  differ("plan (plan_digest: space, budget, options)", shard_text(ref, "plan_digest"),
         shard_text(s, "plan_digest"));
}

// NOTE: measured roofs of one model move by a few percent between runs (a power-capped card's
// clocks); a wider spread points at a throttled or differently clocked GPU, whose shards' times
// are not comparable with the others'.
/// Relative spread of a measured roof between folders above which merge warns.
constexpr double kRoofSpreadWarnRel = 0.10;

/// One line per roof whose measured value differs by more than kRoofSpreadWarnRel between
/// `sources`, naming the folders with the lowest and the highest.
void roof_spread_notes(const std::vector<Source>& sources, std::vector<std::string>& out) {
  const std::pair<const char*, double Roofs::*> roofs[] = {
      {"hbm_gbps", &Roofs::hbm_gbps},
      {"fp8_block_tflops", &Roofs::fp8_block_tflops},
      {"fp8_tensor_tflops", &Roofs::fp8_tensor_tflops}};
  for (const auto& [name, field] : roofs) {
    const Source* low = nullptr;
    const Source* high = nullptr;
    for (const Source& s : sources) {
      if (s.env.roofs.source != RoofSource::kMeasured) continue;
      if (low == nullptr || s.env.roofs.*field < low->env.roofs.*field) low = &s;
      if (high == nullptr || s.env.roofs.*field > high->env.roofs.*field) high = &s;
    }
    if (low == nullptr ||
        high->env.roofs.*field <= low->env.roofs.*field * (1 + kRoofSpreadWarnRel)) {
      continue;
    }
    out.push_back(fmt::format(
        "measured roof {} differs by {:.0f}% between {} ({:g}) and {} ({:g}); the merged folder "
        "keeps {}'s",
        name, 100 * (high->env.roofs.*field / low->env.roofs.*field - 1), low->dir.string(),
        low->env.roofs.*field, high->dir.string(), high->env.roofs.*field,
        sources.front().dir.string()));
  }
}

/// Missing and duplicated shards of `sources` (all shards of `count`).
void shard_conflicts(const std::vector<Source>& sources, int count,
                     std::vector<std::string>& out) {
  std::map<int, std::vector<std::string>> dirs_by_index;
  for (const Source& s : sources) {
    dirs_by_index[s.shard_index].push_back(s.dir.string());
  }
  std::string missing;
  int missing_count = 0;
  for (int i = 1; i <= count; ++i) {
    if (dirs_by_index.count(i) != 0) continue;
    // NOTE: at most 20 indices are listed, so the line stays readable at N = 4096.
    if (++missing_count <= 20) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  }
  if (missing_count > 20) missing += fmt::format(" and {} more", missing_count - 20);
  if (missing_count > 0) {
    out.push_back(fmt::format("missing shard(s) {} of {}", missing, count));
  }
  for (const auto& [index, dirs] : dirs_by_index) {
    if (index > count) out.push_back(fmt::format("shard {} is beyond N = {}", index, count));
    if (dirs.size() > 1) {
      out.push_back(fmt::format("shard {}/{} given {} times: {}", index, count, dirs.size(),
                                fmt::join(dirs, ", ")));
    }
  }
}

/// Problems recorded by two folders that are not the same shard.
void problem_conflicts(const std::vector<Source>& sources, std::vector<std::string>& out) {
  std::map<std::string, std::pair<std::string, const Source*>> owner;  // key -> (shard, folder)
  std::set<std::string> reported;
  for (const Source& s : sources) {
    const std::string who = s.shard ? std::to_string(s.shard_index) : s.dir.string();
    for (const RunRecord& r : s.runs) {
      const std::string key = problem_key(r.problem);
      const auto [it, added] = owner.try_emplace(key, who, &s);
      if (!added && it->second.first != who && reported.insert(key).second) {
        out.push_back(fmt::format("problem {} recorded in both {} and {}", key,
                                  it->second.second->dir.string(), s.dir.string()));
      }
    }
  }
}

/// Rank of each problem in the merged runs.jsonl: shards list their problems' positions in the
/// shape set; problems of whole sweeps follow, folder by folder, each folder's in plan order
/// (run_folder.hpp's plan_order(): a sweep on several GPUs records them in the order they finish).
std::map<std::string, int64_t> problem_ranks(const std::vector<Source>& sources) {
  std::map<std::string, int64_t> rank;
  for (const Source& s : sources) {
    if (!s.shard || !s.shard->contains("problems")) continue;
    for (const Json& p : s.shard->at("problems")) {
      if (p.is_object() && p.value("index", Json()).is_number_integer() &&
          p.value("key", Json()).is_string()) {
        rank.try_emplace(p.at("key").get<std::string>(), p.at("index").get<int64_t>());
      }
    }
  }
  int64_t next = int64_t{1} << 40;
  for (const Source& s : sources) {
    for (const size_t i : plan_order(shape_set_problems(s.env), s.runs)) {
      rank.try_emplace(problem_key(s.runs[i].problem), next++);
    }
  }
  return rank;
}

/// env.json of the merged folder: the first source's (shard 1), without its shard, resumes and
/// time breakdown, with a "merged" member naming every source.
Json merged_env(const std::vector<Source>& sources, int shard_count, const MergeOptions& options) {
  Json env = sources.front().env.raw;
  env.erase("shard");
  env.erase("resumes");
  env.erase("time_breakdown");  // shard 1's seconds, not the merged folder's
  Json list = Json::array();
  for (const Source& s : sources) {
    Json entry = {{"dir", s.dir.string()},
                  {"shard", s.shard ? Json(fmt::format("{}/{}", s.shard_index, s.shard_count))
                                    : Json()},
                  {"command", s.env.raw.value("command", Json(""))},
                  {"started_at", s.env.raw.value("started_at", Json(""))},
                  {"records", s.records.size()}};
    if (s.env.raw.contains("resumes")) entry["resumes"] = s.env.raw.at("resumes");
    list.push_back(std::move(entry));
  }
  Json merged = {{"command", options.command}, {"shards", shard_count}, {"sources", list}};
  if (shard_count > 0) {
    const Source& first = sources.front();
    for (const char* key : {"split", "shape_set", "problems_total", "problems_digest", "plan_digest"}) {
      if (first.shard->contains(key)) merged[key] = first.shard->at(key);
    }
  }
  env["merged"] = std::move(merged);
  return env;
}

}  // namespace

MergedRunFolder merge_run_folders(const std::vector<std::filesystem::path>& dirs,
                                  const MergeOptions& options) {
  if (dirs.empty()) throw Error(kExitUsage, "merge: no run folder given");
  std::vector<Source> sources;
  for (size_t i = 0; i < dirs.size(); ++i) sources.push_back(read_source(dirs[i], i));
  // NOTE: shards by index (then command-line order), so that env.json comes from shard 1 and
  // the merged order never depends on how the shell expanded a glob.
  std::stable_sort(sources.begin(), sources.end(), [](const Source& a, const Source& b) {
    return a.shard_index < b.shard_index;
  });
  std::vector<std::string> conflicts;
  for (size_t i = 1; i < sources.size(); ++i) {
    environment_conflicts(sources.front(), sources[i], conflicts);
  }
  const bool shards = sources.front().shard.has_value();
  const int shard_count = sources.front().shard_count;
  const bool all_shards = std::all_of(sources.begin(), sources.end(),
                                      [](const Source& s) { return s.shard.has_value(); });
  if (shards && all_shards) shard_conflicts(sources, shard_count, conflicts);
  problem_conflicts(sources, conflicts);
  if (!conflicts.empty() && !options.force) {
    throw Error(kExitUsage, one_line(fmt::format("cannot merge: {} (pass --force to merge anyway)",
                                                 fmt::join(conflicts, "; "))));
  }
  MergedRunFolder merged{.shard_count = shard_count};
  for (const std::string& c : conflicts) merged.notes.push_back(c + " (--force)");
  roof_spread_notes(sources, merged.notes);
  for (const Source& s : sources) {
    for (const std::string& w : s.warnings) merged.notes.push_back(w);
  }
  // Records grouped by problem in shape-set order; within a problem, shard and file order.
  const std::map<std::string, int64_t> rank = problem_ranks(sources);
  std::vector<std::pair<const RunRecord*, const Json*>> order;
  for (const Source& s : sources) {
    for (size_t i = 0; i < s.runs.size(); ++i) order.emplace_back(&s.runs[i], &s.records[i]);
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return rank.at(problem_key(a.first->problem)) < rank.at(problem_key(b.first->problem));
  });
  merged.env = merged_env(sources, shard_count, options);
  const std::string env_name = "merged env.json";
  merged.folder.env = parse_env(merged.env, JsonAt{env_name});
  for (const auto& [run, record] : order) {
    merged.records.push_back(*record);
    merged.folder.runs.push_back(*run);
    merged.folder.runs.back().line = static_cast<int64_t>(merged.records.size());
  }
  merged.folder.warnings = merged.notes;
  return merged;
}

std::vector<std::filesystem::path> write_merged_run_folder(const MergedRunFolder& merged,
                                                           StagedFolder& out) {
  std::vector<std::filesystem::path> written;
  written.push_back(out.write("env.json", merged.env.dump(2) + "\n"));
  std::string lines;
  for (const Json& record : merged.records) lines += record.dump() + "\n";
  written.push_back(out.write("runs.jsonl", lines));
  const TuningTable table = build_tuning_table(merged.folder);
  for (const auto& [name, text] : render_report_files(table)) written.push_back(out.write(name, text));
  out.commit();
  return written;
}

}  // namespace gemmtune::report
