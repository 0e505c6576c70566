#pragma once
/// The names of a small enum, in one table: the enum's text form for the CLI, JSON and reports,
/// its parser and its list of names all come from the same pairs, so they cannot disagree.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gemmtune {

template <class E, std::size_t N>
struct EnumNames {
  std::array<std::pair<E, const char*>, N> entries;

  /// The name of `value`, or "unknown" for a value outside the table.
  [[nodiscard]] constexpr const char* name(E value) const {
    for (const auto& [e, n] : entries) {
      if (e == value) return n;
    }
    return "unknown";
  }
  /// The value named `text` (exact match), or nothing.
  [[nodiscard]] constexpr std::optional<E> parse(std::string_view text) const {
    for (const auto& [e, n] : entries) {
      if (text == n) return e;
    }
    return std::nullopt;
  }
  /// Every name, in table order.
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : entries) out.emplace_back(entry.second);
    return out;
  }
};

}  // namespace gemmtune
