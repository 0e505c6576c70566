// Serialization and validation of one cache entry (meta.json + kernel.cubin).
#include "jit/cache_entry.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/json_input.hpp"
#include "jit/fnv1a.hpp"

namespace gemmtune::jit {
namespace {

using nlohmann::json;

json ptxas_to_json(const PtxasReport& report) {
  return {{"registers", report.registers},
          {"stack_frame_bytes", report.stack_frame_bytes},
          {"spill_store_bytes", report.spill_store_bytes},
          {"spill_load_bytes", report.spill_load_bytes},
          {"smem_static_bytes", report.smem_static_bytes},
          {"barriers", report.barriers},
          {"wgmma_serialized", report.wgmma_serialized},
          {"advisories", report.advisories}};
}

PtxasReport ptxas_from_json(const json& j) {
  return PtxasReport{.registers = j.at("registers").get<int>(),
                     .stack_frame_bytes = j.at("stack_frame_bytes").get<int>(),
                     .spill_store_bytes = j.at("spill_store_bytes").get<int>(),
                     .spill_load_bytes = j.at("spill_load_bytes").get<int>(),
                     .smem_static_bytes = j.at("smem_static_bytes").get<int>(),
                     .barriers = j.at("barriers").get<int>(),
                     .wgmma_serialized = j.at("wgmma_serialized").get<bool>(),
                     .advisories = j.at("advisories").get<std::vector<std::string>>()};
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

/// Whether the ELF image `cubin` names the symbol `name`: its string tables hold each symbol
/// name between NUL bytes.
bool cubin_has_symbol(std::string_view cubin, const std::string& name) {
  return cubin.find(std::string(1, '\0') + name + std::string(1, '\0')) != std::string_view::npos;
}

}  // namespace

void write_entry_files(const std::filesystem::path& dir, const CompileResult& result,
                       const std::string& arch) {
  const std::string_view cubin(result.cubin.data(), result.cubin.size());
  const json meta = {
      {"format_version", kCacheFormatVersion},
      {"key", result.cache_key},
      {"arch", arch},
      {"kernel_name", result.kernel_name},
      {"ok", result.ok},
      {"nvrtc_version", nvrtc_version()},
      {"compile_seconds", result.compile_seconds},
      {"created_unix_s", std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count()},
      {"cubin_bytes", cubin.size()},
      {"cubin_fnv1a64", fnv1a64_hex(cubin)},
      {"ptxas", ptxas_to_json(result.ptxas)},
      {"log", result.log}};
  if (result.ok) write_file(dir / kCubinFileName, cubin);
  // NOTE: meta.json last: an entry folder is only published (renamed into place) once both files
  // are complete, but writing the cubin first keeps even a torn copy detectable by its size.
  write_file(dir / kMetaFileName, meta.dump(2) + "\n");
}

std::optional<CompileResult> read_entry_files(const std::filesystem::path& dir,
                                              const std::string& key,
                                              const std::string& kernel_name, std::string* why) {
  const std::optional<std::string> meta_text = read_file(dir / kMetaFileName);
  if (!meta_text) {
    *why = "meta.json missing or unreadable";
    return std::nullopt;
  }
  const ParsedJson<json> parsed = try_parse_json<json>(*meta_text);
  if (parsed.problem || !parsed.value.is_object()) {
    *why = "meta.json is not a JSON object" +
           (parsed.problem ? " (" + parsed.problem->message + ")" : std::string());
    return std::nullopt;
  }
  const json& meta = parsed.value;
  try {
    if (meta.at("format_version").get<int>() != kCacheFormatVersion ||
        meta.at("key").get<std::string>() != key ||
        (!kernel_name.empty() && meta.at("kernel_name").get<std::string>() != kernel_name)) {
      *why = "meta.json names another format, key or kernel";
      return std::nullopt;
    }
    CompileResult result;
    result.ok = meta.at("ok").get<bool>();
    result.kernel_name = meta.at("kernel_name").get<std::string>();
    result.log = meta.at("log").get<std::string>();
    result.ptxas = ptxas_from_json(meta.at("ptxas"));
    result.cache_hit = true;
    result.cache_key = key;
    if (result.ok) {
      const std::optional<std::string> cubin = read_file(dir / kCubinFileName);
      if (!cubin || cubin->size() != meta.at("cubin_bytes").get<size_t>() ||
          fnv1a64_hex(*cubin) != meta.at("cubin_fnv1a64").get<std::string>() || cubin->empty()) {
        *why = "kernel.cubin missing or does not match the size/hash in meta.json";
        return std::nullopt;
      }
      // NOTE: meta.json and the cubin agree with each other when both were copied from another
      // entry; the symbol table of the cubin says which kernel it holds.
      if (!kernel_name.empty() && !cubin_has_symbol(*cubin, kernel_name)) {
        *why = "kernel.cubin does not hold the kernel " + kernel_name;
        return std::nullopt;
      }
      result.cubin.assign(cubin->begin(), cubin->end());
    }
    return result;
  } catch (const json::exception& e) {
    *why = std::string("meta.json field missing or mistyped: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace gemmtune::jit
