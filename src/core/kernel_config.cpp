// Canonical text form of a KernelConfig: `bm{M}_bn{N}_s{S}_mc{0|A|B}_sm{SMS}_r{M|N}{G}_sk{SK}`
// plus `_k{K}` for a member compiled for one K and `_gC` / `_gM` for the grouped layouts. The form
// is a cache key, so parsing is strict: exactly seven fields in this order (and the optional
// fixed-K and layout suffixes, in that order), positive decimal integers
// without sign or leading zeros, so that every accepted text round-trips.
#include "core/kernel_config.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <climits>

#include "core/error.hpp"
#include "core/smem_layout.hpp"

namespace gemmtune {
namespace {

char multicast_letter(Multicast multicast) {
  switch (multicast) {
    case Multicast::kA: return 'A';
    case Multicast::kB: return 'B';
    case Multicast::kNone: break;
  }
  return '0';
}

// A positive decimal integer that fits an int, in canonical spelling; nullopt otherwise.
std::optional<int> parse_positive_int(std::string_view digits) {
  if (digits.empty() || digits.front() < '1' || digits.front() > '9') return std::nullopt;
  int value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// One `_`-separated field: its expected prefix and a description for error messages.
struct Field {
  std::string_view prefix;
  std::string_view what;
};

constexpr std::array<Field, 7> kFields{{
    {"bm", "bm<block_m>"},
    {"bn", "bn<block_n>"},
    {"s", "s<stages>"},
    {"mc", "mc<0|A|B>"},
    {"sm", "sm<num_sms>"},
    {"r", "r<M|N><group>"},
    {"sk", "sk<split_k>"},
}};

// KernelConfig::b_l2_normal, between the fields and a fixed K:
// bm128_bn160_s4_mc0_sm132_rN8_sk1_l2n_k7168_gC.
constexpr const char* kL2NormalSuffix = "_l2n";
// KernelConfig::no_balanced_order, before `_l2n`: bm128_bn160_s4_mcA_sm124_rG8_sk1_nbo_k7168_gC.
constexpr const char* kNoBalancedOrderSuffix = "_nbo";

}  // namespace

char group_layout_letter(GroupLayout layout) {
  switch (layout) {
    case GroupLayout::kContiguous: return 'C';
    case GroupLayout::kMasked: return 'M';
    case GroupLayout::kNone: break;
  }
  return 0;
}

const char* to_string(GroupLayout layout) {
  switch (layout) {
    case GroupLayout::kContiguous: return "grouped_contiguous";
    case GroupLayout::kMasked: return "grouped_masked";
    case GroupLayout::kNone: break;
  }
  return "dense";
}

std::optional<GroupLayout> parse_group_layout(std::string_view name) {
  for (const GroupLayout layout :
       {GroupLayout::kNone, GroupLayout::kContiguous, GroupLayout::kMasked}) {
    if (name == to_string(layout)) return layout;
  }
  return std::nullopt;
}

char raster_letter(Raster raster) {
  switch (raster) {
    case Raster::kM: return 'M';
    case Raster::kN: return 'N';
    case Raster::kNGroups: return 'G';
  }
  return 'N';
}

std::string to_string(const KernelConfig& config) {
  std::string text = fmt::format("bm{}_bn{}_s{}_mc{}_sm{}_r{}{}_sk{}", config.block_m,
                                 config.block_n, config.stages,
                                 multicast_letter(config.multicast), config.num_sms,
                                 raster_letter(config.raster), config.group,
                                 config.split_k);
  if (config.no_balanced_order) text += kNoBalancedOrderSuffix;
  if (config.b_l2_normal) text += kL2NormalSuffix;
  if (config.fixed_k != 0) text += fmt::format("_k{}", config.fixed_k);
  if (config.layout != GroupLayout::kNone) {
    text += "_g";
    text += group_layout_letter(config.layout);
  }
  return text;
}

std::optional<KernelConfig> parse_kernel_config(std::string_view text, std::string* error) {
  const auto fail = [&](const std::string& reason) -> std::optional<KernelConfig> {
    if (error != nullptr) {
      *error = one_line(fmt::format("bad kernel config '{}': {} (expected the form "
                                    "bm128_bn160_s5_mcA_sm132_rN8_sk1)", text, reason));
    }
    return std::nullopt;
  };

  std::array<std::string_view, kFields.size()> values{};
  std::string_view rest = text;
  GroupLayout layout = GroupLayout::kNone;
  for (const GroupLayout grouped : {GroupLayout::kContiguous, GroupLayout::kMasked}) {
    const std::string suffix = std::string("_g") + group_layout_letter(grouped);
    if (rest.ends_with(suffix)) {
      layout = grouped;
      rest.remove_suffix(suffix.size());
    }
  }
  int fixed_k = 0;
  if (const size_t cut = rest.rfind("_k"); cut != std::string_view::npos) {
    const std::optional<int> k = parse_positive_int(rest.substr(cut + 2));
    if (!k) {
      return fail(fmt::format("fixed-K suffix '{}': '{}' is not an integer in [1, 2^31-1]",
                              rest.substr(cut), rest.substr(cut + 2)));
    }
    fixed_k = *k;
    rest.remove_suffix(rest.size() - cut);
  }
  const bool b_l2_normal = rest.ends_with(kL2NormalSuffix);
  if (b_l2_normal) rest.remove_suffix(std::string_view(kL2NormalSuffix).size());
  const bool no_balanced_order = rest.ends_with(kNoBalancedOrderSuffix);
  if (no_balanced_order) rest.remove_suffix(std::string_view(kNoBalancedOrderSuffix).size());
  for (size_t i = 0; i < kFields.size(); ++i) {
    const size_t cut = rest.find('_');
    const bool last = i + 1 == kFields.size();
    if (!last && cut == std::string_view::npos) {
      return fail(fmt::format("found {} field(s), expected {}", i + 1, kFields.size()));
    }
    const std::string_view field = last ? rest : rest.substr(0, cut);
    if (last && field.find('_') != std::string_view::npos) {
      return fail(fmt::format("more than {} fields", kFields.size()));
    }
    if (!field.starts_with(kFields[i].prefix)) {
      return fail(fmt::format("field {} '{}' should be {}", i + 1, field, kFields[i].what));
    }
    values[i] = field.substr(kFields[i].prefix.size());
    rest = last ? std::string_view{} : rest.substr(cut + 1);
  }

  KernelConfig config;
  config.layout = layout;
  config.fixed_k = fixed_k;
  config.b_l2_normal = b_l2_normal;
  config.no_balanced_order = no_balanced_order;
  const std::array<int*, kFields.size()> int_targets{&config.block_m, &config.block_n,
                                                     &config.stages,  nullptr,
                                                     &config.num_sms, nullptr,
                                                     &config.split_k};
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (int_targets[i] == nullptr) continue;
    const std::optional<int> value = parse_positive_int(values[i]);
    if (!value) {
      return fail(fmt::format("field {} '{}{}': '{}' is not an integer in [1, 2^31-1]", i + 1,
                              kFields[i].prefix, values[i], values[i]));
    }
    *int_targets[i] = *value;
  }

  const std::string_view mc = values[3];
  if (mc == "0") {
    config.multicast = Multicast::kNone;
  } else if (mc == "A") {
    config.multicast = Multicast::kA;
  } else if (mc == "B") {
    config.multicast = Multicast::kB;
  } else {
    return fail(fmt::format("field 4 'mc{}': multicast must be 0, A or B", mc));
  }

  const std::string_view raster = values[5];
  if (raster.empty() || (raster.front() != 'M' && raster.front() != 'N' && raster.front() != 'G')) {
    return fail(fmt::format("field 6 'r{}': raster must start with M, N or G", raster));
  }
  config.raster = raster.front() == 'M'   ? Raster::kM
                  : raster.front() == 'N' ? Raster::kN
                                          : Raster::kNGroups;
  const std::optional<int> group = parse_positive_int(raster.substr(1));
  if (!group) {
    return fail(fmt::format("field 6 'r{}': group '{}' is not an integer in [1, 2^31-1]", raster,
                            raster.substr(1)));
  }
  config.group = *group;
  return config;
}

bool KernelConfig::split_k_in_cluster() const {
  if (split_k != 2 || multicast != Multicast::kNone || num_sms % 2 != 0) return false;
  return smem_layout_for(*this, true).total_bytes <= kHopperSmemPerBlockBytes;
}

int KernelConfig::mainloop_copies() const {
  if (tile_in_one_scale_block()) return 1;
  // Tiles start at multiples of block_n, so n0 % 128 cycles within 128 tiles; each distinct
  // count of "lo" n8 fragments (those before the scale-block boundary) is one copy, and every
  // count that covers the whole tile is the one unsplit copy.
  const int tile_fragments = block_n / 8;
  std::array<bool, 18> seen{};  // [0, 16]: a split after lo fragments; 17: the whole tile
  for (int j = 0; j < 128; ++j) {
    const int lo = (128 - (j * block_n) % 128) / 8;
    seen[lo >= tile_fragments ? 17 : lo] = true;
  }
  int copies = 0;
  for (const bool s : seen) copies += s ? 1 : 0;
  return copies;
}

std::optional<KernelConfig> k_specialised(const KernelConfig& config, int64_t k) {
  if (config.fixed_k != 0 || k < 1 || k > INT32_MAX) return std::nullopt;
  KernelConfig twin = config;
  twin.fixed_k = static_cast<int>(k);
  if (twin.mainloop_unroll() <= 1 && !twin.sb_per_tile()) return std::nullopt;
  // NOTE: the weight-scale region (sb_per_tile) grows the twin's shared memory with K; a twin
  // that no longer fits is none (bm128_bn160_s5_mcA_gM at K 7168: 232544 B > 232448 B failed to
  // launch in a sweep, 7f3a7dd:results/2026-11-23-grouped-vs-deepgemm/1715-…).
  if (smem_layout(twin).total_bytes > kHopperSmemPerBlockBytes) return std::nullopt;
  return twin;
}

}  // namespace gemmtune
