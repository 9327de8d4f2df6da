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

// The text for a message: at most 40 characters, so a hostile value cannot flood the terminal.
inline std::string shortened(const std::string& text) { return text.size() <= 40 ? text : text.substr(0, 37) + "..."; }

}  // namespace sgverify
