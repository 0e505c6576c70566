#pragma once
/// `gemmtune merge DIR... --out DIR` (src/sweep/README.md "Slurm"): several run folders, the
/// shards of one `sweep --shard I/N` or sweeps of other shape sets on the same machine, joined
/// into one run folder whose env.json, runs.jsonl and reports are what one folder holding every
/// record gives. Records are copied, never re-measured; the table is built by the same
/// build_tuning_table() as `gemmtune report`.
#include <filesystem>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "report/json_fields.hpp"
#include "report/run_folder.hpp"

namespace gemmtune::report {

/// What a merge may let through and records.
struct MergeOptions {
  /// Merge despite mismatched environments, missing or duplicated shards and problems recorded
  /// in more than one folder (each is then a warning in `notes`).
  bool force = false;
  std::string command;  ///< the merge's command line, for env.json's "merged" member
};

/// The merged folder, before it is written.
struct MergedRunFolder {
  Json env;                        ///< env.json: the first shard's, less "shard", plus "merged"
  std::vector<Json> records;       ///< runs.jsonl, problems in shape-set order (shards)
  RunFolder folder;                ///< the same parsed, for build_tuning_table()
  std::vector<std::string> notes;  ///< what --force let through, and read warnings
  int shard_count = 0;             ///< N of the shards merged; 0 when they were not shards
};

// NOTE: refusals (one line, Error(kExitUsage), before anything is written): folders whose GPU
// model, driver, CUDA runtime, NVRTC, cuBLASLt or timing mode differ from the first one's, or
// whose measured roofs were measured on another GPU model than the first one's;
// shards of different counts, shape sets (problems_digest) or plans (plan_digest: space, budget);
// a mix of shards and whole sweeps; shards missing from 1..N or given twice; a problem recorded
// by two folders (two shards never share one). `force` turns each into a warning; the table then
// chooses among every record as within one folder. A measured roof that differs by more than 10%
// between folders is a warning in `notes` (one line per roof naming the two folders).
/// Reads `dirs` (each with env.json and runs.jsonl) and merges them; shards are ordered by
/// index, and records by their problem's position in the shape set (a whole sweep's in its plan
/// order), so the table lists problems as a single sweep would.
[[nodiscard]] MergedRunFolder merge_run_folders(const std::vector<std::filesystem::path>& dirs,
                                                const MergeOptions& options);

/// Writes env.json, runs.jsonl and the reports (tuning_table.json, summary.md, roofline.svg,
/// report.html) of `merged` into `out` and commits it, so the merged folder appears whole or not
/// at all; returns the paths written.
std::vector<std::filesystem::path> write_merged_run_folder(const MergedRunFolder& merged,
                                                           StagedFolder& out);

}  // namespace gemmtune::report
