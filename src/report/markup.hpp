#pragma once
/// Escaping of user text (labels, GPU names, reasons, commands) for every generated language:
/// XML/HTML/SVG, Markdown, C++ string literals and `//` comments, and CSV. One place, so that
/// every output escapes a label the same way. Labels reach these outputs from shape sets, run
/// folders and tuning tables, which any user can write: a newline, `*/`, `#define`, quotes,
/// backslashes, `<script>`, `|`, control bytes and invalid UTF-8 all have to come out inert.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gemmtune::report {

namespace detail {

/// The code point of the `length`-byte UTF-8 sequence at text[i] (not validated).
[[nodiscard]] inline uint32_t utf8_code_point(std::string_view text, size_t i, size_t length) {
  const auto lead = static_cast<unsigned char>(text[i]);
  uint32_t code_point = length == 1   ? lead
                        : length == 2 ? lead & 0x1fu
                        : length == 3 ? lead & 0x0fu
                                      : lead & 0x07u;
  for (size_t k = 1; k < length; ++k) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3fu);
  }
  return code_point;
}

/// The length of the valid UTF-8 sequence starting at text[i], or 0 when it is none (a stray
/// continuation byte, an overlong form, a surrogate, a code point past U+10FFFF, a cut sequence).
[[nodiscard]] inline size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const size_t length = lead < 0x80                  ? 1
                        : lead >= 0xc2 && lead <= 0xdf ? 2
                        : lead >= 0xe0 && lead <= 0xef ? 3
                        : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                       : 0;
  if (length <= 1) return length;
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0u) != 0x80u) return 0;
  }
  const uint32_t code_point = utf8_code_point(text, i, length);
  const uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
  if (code_point < smallest || code_point > 0x10ffff) return 0;
  if (code_point >= 0xd800 && code_point <= 0xdfff) return 0;
  return length;
}

/// Whether a code point is invisible or reorders text: C0/C1 controls, DEL, line and paragraph
/// separators, and the bidirectional overrides and isolates (which can make a C++ comment read
/// differently from how it compiles: "Trojan Source", CVE-2021-42574).
[[nodiscard]] inline bool is_hidden_code_point(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x200e && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

inline void append_hex_escape(std::string& out, unsigned value, int digits, const char* prefix) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += prefix;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += kHex[(value >> shift) & 15u];
}

/// visible_text(), with each raw `\` written `\x5c` when `escape_backslash`.
[[nodiscard]] inline std::string visible(std::string_view text, bool escape_backslash) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      append_hex_escape(out, static_cast<unsigned char>(text[i]), 2, "\\x");
      ++i;
      continue;
    }
    const uint32_t cp = utf8_code_point(text, i, length);
    if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if ((cp < 0x80 && is_hidden_code_point(cp)) || (cp == '\\' && escape_backslash)) {
      append_hex_escape(out, cp, 2, "\\x");
    } else if (is_hidden_code_point(cp)) {
      append_hex_escape(out, cp, 4, "\\u");
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

}  // namespace detail

/// `text` as one line of visible, valid UTF-8: `\n`, `\r`, `\t` for those controls, `\xNN` for
/// other control bytes and for bytes that are not valid UTF-8, `\uNNNN` for hidden code points
/// (C1 controls, separators, bidi overrides). Printable text, including a backslash, is kept.
[[nodiscard]] inline std::string visible_text(std::string_view text) {
  return detail::visible(text, false);
}

/// Escapes &, <, >, " and ' for XML/HTML text and attribute values, after visible_text(): XML 1.0
/// allows no control characters and an SVG with invalid UTF-8 does not parse.
[[nodiscard]] inline std::string xml_escape(const std::string& text) {
  const std::string visible = visible_text(text);
  std::string out;
  out.reserve(visible.size());
  for (const char c : visible) {
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

/// Text for a Markdown line or table cell (GitHub-flavoured): one line (visible_text()), with
/// `\`, `|`, `` ` ``, `[`, `]` backslash-escaped (no cell split, code span or link) and `&`, `<`
/// as entities (no raw HTML or entity; a `>` without a `<` opens nothing inside a line).
[[nodiscard]] inline std::string markdown_text(const std::string& text) {
  std::string out;
  for (const char c : visible_text(text)) {
    switch (c) {
      case '\\': case '|': case '`': case '[': case ']': out += '\\'; out += c; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      default: out += c;
    }
  }
  return out;
}

/// A Markdown code span holding `text` on one line: the fence is one backtick longer than the
/// longest run of backticks inside, and `|` is written `\|` (GitHub tables split on it even in
/// code spans).
[[nodiscard]] inline std::string markdown_code(const std::string& text) {
  const std::string visible = visible_text(text);
  size_t longest_run = 0;
  size_t run = 0;
  for (const char c : visible) {
    run = c == '`' ? run + 1 : 0;
    longest_run = run > longest_run ? run : longest_run;
  }
  const std::string fence(longest_run + 1, '`');
  const std::string pad = longest_run > 0 ? " " : "";
  std::string body;
  for (const char c : visible) {
    if (c == '|') body += '\\';
    body += c;
  }
  return fence + pad + body + pad + fence;
}

/// A C++ string literal holding `text` exactly: `"` and `\` escaped, `?` as `\?` (no trigraph
/// in pre-C++17 modes), other bytes outside printable ASCII as three-digit octal escapes.
/// NOTE: octal escapes stop after three digits, so the next character cannot extend them.
[[nodiscard]] inline std::string cpp_string_literal(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || c == '?') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += '\\';
      out += static_cast<char>('0' + (byte >> 6));
      out += static_cast<char>('0' + ((byte >> 3) & 7));
      out += static_cast<char>('0' + (byte & 7));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// `text` for the inside of a C++ `//` comment: one line (visible_text()), with each raw `\`
/// written `\x5c` and the `?` of a `??` pair `\x3f`.
/// NOTE: a backslash ending a line (even before trailing spaces, for GCC) splices the next line
/// into the comment, and `??/` is such a backslash where trigraphs are on (-std=c++14); every
/// escape written here ends in a letter or digit, so neither can remain.
[[nodiscard]] inline std::string cpp_comment_text(const std::string& text) {
  const std::string one_line = detail::visible(text, true);
  std::string out;
  out.reserve(one_line.size());
  for (size_t i = 0; i < one_line.size(); ++i) {
    if (one_line[i] == '?' && i + 1 < one_line.size() && one_line[i + 1] == '?') {
      out += "\\x3f";
    } else {
      out += one_line[i];
    }
  }
  return out;
}

/// A CSV field (RFC 4180): quoted, with `"` doubled, when it holds a comma, a quote, a line break
/// or another control byte, or starts or ends with a space; else unchanged.
[[nodiscard]] inline std::string csv_field(const std::string& text) {
  bool quote = !text.empty() && (text.front() == ' ' || text.back() == ' ');
  for (const char c : text) {
    quote = quote || c == ',' || c == '"' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  }
  if (!quote) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace gemmtune::report
