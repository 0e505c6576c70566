#pragma once
/// FNV-1a 64-bit hashing for cache keys and cubin checksums (no dependency, stable across
/// platforms and runs; not cryptographic: the cache trusts whoever can write into it).
#include <cstdint>
#include <string>
#include <string_view>

namespace gemmtune::jit {

/// Incremental FNV-1a 64. `add_field` frames each field with its length so that ("ab", "c") and
/// ("a", "bc") hash differently.
class Fnv1a64 {
 public:
  /// Hashes raw bytes.
  void add_bytes(std::string_view bytes);
  /// Hashes a field prefixed by its length (8 bytes, little-endian).
  void add_field(std::string_view field);
  [[nodiscard]] uint64_t value() const { return state_; }
  /// The value as 16 lowercase hex digits.
  [[nodiscard]] std::string hex() const;

 private:
  static constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ull;
  static constexpr uint64_t kPrime = 0x100000001b3ull;
  uint64_t state_ = kOffsetBasis;
};

/// FNV-1a 64 of `bytes` as 16 lowercase hex digits.
[[nodiscard]] std::string fnv1a64_hex(std::string_view bytes);

}  // namespace gemmtune::jit
