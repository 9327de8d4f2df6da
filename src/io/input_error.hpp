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

}  // namespace sgverify
