// Parser for the ptxas resource report in an NVRTC program log. Captured examples (CUDA 13.0):
//   ptxas info    : Compiling entry function 'k' for 'sm_90a'
//   ptxas info    : Function properties for k
//   ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
//   ptxas info    : Used 168 registers, used 1 barriers, 4096 bytes smem
// The "Function properties" block also appears for non-inlined callees (mangled names), which
// are not entry functions and are ignored here.
#include "jit/ptxas_report.hpp"

#include <charconv>
#include <optional>

namespace gemmtune::jit {
namespace {

/// The integer just before `suffix` in `line` (e.g. "Used 168 registers" with " registers").
std::optional<int> number_before(std::string_view line, std::string_view suffix) {
  const size_t at = line.find(suffix);
  if (at == std::string_view::npos) return std::nullopt;
  size_t begin = at;
  while (begin > 0 && line[begin - 1] >= '0' && line[begin - 1] <= '9') --begin;
  int value = 0;
  const auto [ptr, ec] = std::from_chars(line.data() + begin, line.data() + at, value);
  if (ec != std::errc() || ptr != line.data() + at) return std::nullopt;
  return value;
}

/// The text between the first pair of single quotes after `marker`, or the rest of the line.
std::string_view name_after(std::string_view line, std::string_view marker) {
  const size_t at = line.find(marker);
  if (at == std::string_view::npos) return {};
  std::string_view rest = line.substr(at + marker.size());
  if (!rest.empty() && rest.front() == '\'') {
    rest.remove_prefix(1);
    return rest.substr(0, rest.find('\''));
  }
  return rest.substr(0, rest.find_first_of(" \r"));
}

/// "(Cnnnn) ..." of a "ptxas info    : (Cnnnn) ..." line, else empty.
std::string_view advisory_text(std::string_view line) {
  const size_t colon = line.find(": (C");
  if (line.rfind("ptxas", 0) != 0 || colon == std::string_view::npos) return {};
  std::string_view text = line.substr(colon + 2);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  return text;
}

/// The function an advisory names: "... in function 'k'" or "... in the function 'k'.".
std::string_view advisory_function(std::string_view advisory) {
  const std::string_view marker = "function '";
  const size_t at = advisory.rfind(marker);
  if (at == std::string_view::npos) return {};
  const std::string_view rest = advisory.substr(at + marker.size());
  return rest.substr(0, rest.find('\''));
}

}  // namespace

PtxasReport parse_ptxas_report(std::string_view log, std::string_view kernel_name) {
  PtxasReport report;
  // NOTE: ptxas reports per function in two blocks: "Compiling entry function" starts the block
  // whose "Used N registers" line is the entry's; "Function properties for X" starts the block
  // whose stack/spill line is X's. Track each owner separately.
  bool in_entry = false;
  bool in_properties = false;
  size_t line_begin = 0;
  while (line_begin < log.size()) {
    size_t line_end = log.find('\n', line_begin);
    if (line_end == std::string_view::npos) line_end = log.size();
    const std::string_view line = log.substr(line_begin, line_end - line_begin);
    line_begin = line_end + 1;

    if (line.find("Compiling entry function") != std::string_view::npos) {
      in_entry = name_after(line, "Compiling entry function ") == kernel_name;
      in_properties = false;
    } else if (line.find("Function properties for") != std::string_view::npos) {
      in_properties = name_after(line, "Function properties for ") == kernel_name;
    } else if (in_properties && line.find("bytes stack frame") != std::string_view::npos) {
      report.stack_frame_bytes = number_before(line, " bytes stack frame").value_or(-1);
      report.spill_store_bytes = number_before(line, " bytes spill stores").value_or(-1);
      report.spill_load_bytes = number_before(line, " bytes spill loads").value_or(-1);
      in_properties = false;
    } else if (in_entry && line.find("Used ") != std::string_view::npos &&
               line.find(" registers") != std::string_view::npos) {
      report.registers = number_before(line, " registers").value_or(-1);
      report.barriers = number_before(line, " barriers").value_or(0);
      report.smem_static_bytes = number_before(line, " bytes smem").value_or(0);
      in_entry = false;
    } else if (const std::string_view advisory = advisory_text(line); !advisory.empty() &&
               advisory_function(advisory) == kernel_name) {
      report.advisories.emplace_back(advisory);
      if (advisory.find("wgmma.mma_async instructions are serialized") != std::string_view::npos) {
        report.wgmma_serialized = true;
      }
    }
  }
  return report;
}

}  // namespace gemmtune::jit
