// The checksum that traces record for their data: 64-bit FNV-1a over a sequence of texts, each
// followed by a separator byte, printed as 16 hexadecimal digits.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace sgverify {

class TextChecksum {
 public:
  void feed(const std::string& text) {
    for (const unsigned char c : text) add(c);
    add(0xff);  // separator
  }

  std::string hex() const { return fmt::format("{:016x}", hash_); }

 private:
  void add(unsigned char byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001b3ULL;
  }

  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace sgverify
