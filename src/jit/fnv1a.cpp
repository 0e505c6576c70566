// FNV-1a 64 (http://www.isthe.com/chongo/tech/comp/fnv/): xor each byte in, multiply by the prime.
#include "jit/fnv1a.hpp"

#include <array>

namespace gemmtune::jit {

void Fnv1a64::add_bytes(std::string_view bytes) {
  for (const char c : bytes) {
    state_ ^= static_cast<unsigned char>(c);
    state_ *= kPrime;
  }
}

void Fnv1a64::add_field(std::string_view field) {
  std::array<char, 8> size_bytes{};
  for (size_t i = 0; i < size_bytes.size(); ++i) {
    size_bytes[i] = static_cast<char>((uint64_t{field.size()} >> (8 * i)) & 0xFF);
  }
  add_bytes(std::string_view(size_bytes.data(), size_bytes.size()));
  add_bytes(field);
}

std::string Fnv1a64::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 0; i < 16; ++i) text[15 - i] = kDigits[(state_ >> (4 * i)) & 0xF];
  return text;
}

std::string fnv1a64_hex(std::string_view bytes) {
  Fnv1a64 hash;
  hash.add_bytes(bytes);
  return hash.hex();
}

}  // namespace gemmtune::jit
