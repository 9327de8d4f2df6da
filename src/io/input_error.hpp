// Bad input from a user: a file, a flag value or a data value. The CLI turns it into one
// message on standard error and exit status 2. Numerical outcomes are never reported this way.
#pragma once

#include <stdexcept>
#include <string>

namespace sgverify {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// The exit status of the CLI for an InputError, and for a replay stopped by --time-limit.
inline constexpr int exit_bad_input = 2;

// `text` with each control character (a NUL, an escape code, a line break) written as \xNN, so
// that a value or a file name quoted in a message neither cuts it nor acts on the terminal.
inline std::string visible_text(const std::string& text) {
  std::string visible;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      constexpr const char* hex = "0123456789abcdef";
      visible += std::string("\\x") + hex[byte >> 4] + hex[byte & 15];
    } else {
      visible += c;
    }
  }
  return visible;
}

// The text for a message: at most 40 characters, so a hostile value cannot flood the terminal,
// and visible_text.
inline std::string shortened(const std::string& text) { return visible_text(text.size() <= 40 ? text : text.substr(0, 37) + "..."); }

}  // namespace sgverify
