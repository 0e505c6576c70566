#pragma once
/// Escaping for the hand-written SVG and HTML outputs.
#include <string>

namespace gemmtune::report {

/// Escapes &, <, >, " and ' for XML/HTML text and attribute values.
[[nodiscard]] inline std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace gemmtune::report
