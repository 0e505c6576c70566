// The kernel's remaining compile-time hooks (kernels/README.md "Hooks"): each still compiles and
// changes the code it claims to change (a hook that silently compiled to the default kernel would
// make a measurement or a GPU test look at the kernel itself), and the kernel source names no
// other GEMMTUNE_* macro, so an experiment branch cannot come back unlisted.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jit/codegen_sm90_fp8_gemm_1d2d.hpp"
#include "jit/compiler.hpp"
#include "jit/embedded_files.hpp"

namespace gemmtune::jit {
namespace {

CompileResult build_with(const char* config_text, const std::vector<std::string>& options) {
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(config_text, &error);
  EXPECT_TRUE(config) << error;
  GeneratedKernel generated = generate_sm90_fp8_gemm_1d2d(*config);
  return compile(CompileRequest{.kernel_name = std::move(generated.kernel_name),
                                .source = std::move(generated.source),
                                .extra_options = options});
}

/// The machine code of a cubin: its .text sections, in section order. Why not the whole cubin:
/// its line table names source lines, so a hook that only moves a line changes the file (a false
/// "changed") and an #ifdef branch that compiles to the same code can still differ there.
std::string code_sections(const std::vector<char>& cubin) {
  Elf64_Ehdr header;
  if (cubin.size() < sizeof(header)) return {};
  std::memcpy(&header, cubin.data(), sizeof(header));
  const auto section = [&](int i) {
    Elf64_Shdr s;
    std::memcpy(&s, cubin.data() + header.e_shoff + i * sizeof(Elf64_Shdr), sizeof(s));
    return s;
  };
  const Elf64_Shdr names = section(header.e_shstrndx);
  std::string code;
  for (int i = 0; i < header.e_shnum; ++i) {
    const Elf64_Shdr s = section(i);
    const char* name = cubin.data() + names.sh_offset + s.sh_name;
    if (std::strncmp(name, ".text", 5) == 0) {
      code.append(name);
      code.append(cubin.data() + s.sh_offset, s.sh_size);
    }
  }
  return code;
}

struct HookCase {
  const char* define;
  const char* config;  // a config whose code the hook changes
  bool spill_free;     // false where the hook is known to spill (documented with the case)
};

TEST(KernelHooks, EachCompilesAndChangesItsKernel) {
  const HookCase cases[] = {
      // Overlapped launches: the wait compiled out (the GPU test's proof), the signal at the
      // kernel's start, neither instruction.
      {"GEMMTUNE_PDL_NO_WAIT=1", "bm128_bn128_s4_mc0_sm66_rN8_sk1", true},
      {"GEMMTUNE_PDL_EARLY_TRIGGER=1", "bm64_bn112_s8_mc0_sm132_rN8_sk1", true},
      {"GEMMTUNE_PDL_EARLY_TRIGGER=1", "bm128_bn112_s6_mc0_sm132_rN8_sk1_gC", true},
      {"GEMMTUNE_PDL_OFF=1", "bm64_bn64_s8_mc0_sm132_rN8_sk1_k16384", true},
      // The tile profile: its printf takes a stack frame but nothing spills.
      {"GEMMTUNE_TILE_PROFILE=1", "bm128_bn192_s4_mcB_sm132_rN8_sk1_k2048_gC", true},
      {"GEMMTUNE_TILE_PROFILE_EPI=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168", true},
      // The wait profile's clock sums and printf take stack in the 40-register producer.
      {"GEMMTUNE_WAIT_PROFILE=1", "bm256_bn128_s3_mcB_sm132_rN8_sk1", false},
      {"GEMMTUNE_WAIT_PROFILE=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_gM", false},
  };
  for (const HookCase& c : cases) {
    const CompileResult base = build_with(c.config, {});
    const CompileResult hooked = build_with(c.config, {std::string("-D") + c.define});
    ASSERT_TRUE(base.ok) << c.config << ": " << base.log;
    ASSERT_TRUE(hooked.ok) << c.define << " " << c.config << ": " << hooked.log;
    ASSERT_FALSE(code_sections(base.cubin).empty()) << c.config;
    EXPECT_NE(code_sections(base.cubin), code_sections(hooked.cubin))
        << c.define << " did not change " << c.config;
    if (c.spill_free) {
      EXPECT_EQ(hooked.ptxas.spill_store_bytes + hooked.ptxas.spill_load_bytes, 0)
          << c.define << " " << c.config;
    }
  }
}

// The epilogue's parts are laps on top of the tile profile: with both set the code differs from
// the tile profile alone, and nothing spills.
TEST(KernelHooks, TileProfileEpilogueLapsAddToTheTileProfile) {
  const char* config = "bm128_bn192_s4_mcB_sm132_rN8_sk1_k2048_gC";
  const CompileResult tile = build_with(config, {"-DGEMMTUNE_TILE_PROFILE=1"});
  const CompileResult epi =
      build_with(config, {"-DGEMMTUNE_TILE_PROFILE=1", "-DGEMMTUNE_TILE_PROFILE_EPI=1"});
  ASSERT_TRUE(tile.ok) << tile.log;
  ASSERT_TRUE(epi.ok) << epi.log;
  EXPECT_NE(code_sections(tile.cubin), code_sections(epi.cubin));
  EXPECT_EQ(epi.ptxas.spill_store_bytes + epi.ptxas.spill_load_bytes, 0);
}

// Every GEMMTUNE_* name the kernel source mentions is one of the hooks kernels/README.md lists
// (or a portability or build macro), and every listed one is still there.
TEST(KernelHooks, TheKernelSourceNamesOnlyTheListedMacros) {
  const std::set<std::string> listed = {
      // Measuring hooks and their knobs.
      "GEMMTUNE_WAIT_PROFILE", "GEMMTUNE_TILE_PROFILE", "GEMMTUNE_TILE_PROFILE_EPI",
      "GEMMTUNE_TILE_PROFILE_EVERY", "GEMMTUNE_TILE_PROFILE_CTAS", "GEMMTUNE_TILE_PROFILE_QUIET",
      "GEMMTUNE_TP_PART", "GEMMTUNE_TP_BARRIER",
      // Overlapped launches.
      "GEMMTUNE_PDL_OFF", "GEMMTUNE_PDL_EARLY_TRIGGER", "GEMMTUNE_PDL_NO_WAIT",
      // Not hooks: the host/device qualifier of the shared headers, the defines mechanism's name
      // (in a comment), the bundle's split-K tile limit.
      "GEMMTUNE_HOST_DEVICE", "GEMMTUNE_KERNEL_DEFINES", "GEMMTUNE_BUNDLE_MAX_SPLIT_K_TILES"};
  const std::regex macro("GEMMTUNE_[A-Z0-9_]*[A-Z0-9]");
  std::set<std::string> found;
  for (const EmbeddedFile& file : embedded_kernel_files()) {
    const std::string text(file.contents);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), macro);
         it != std::sregex_iterator(); ++it) {
      const std::string name = it->str();
      found.insert(name);
      EXPECT_TRUE(listed.count(name)) << file.name << " names " << name << ", not a listed hook";
    }
  }
  for (const std::string& name : listed) EXPECT_TRUE(found.count(name)) << name << " is gone";
}

}  // namespace
}  // namespace gemmtune::jit
