#include "numeric/arithmetic.hpp"

#include "io/input_error.hpp"

#include <charconv>

namespace sgverify {

namespace {

// Below 24 bits an interval run decides nothing. Above max_arithmetic_bits (10^6) a single
// product takes seconds.
constexpr unsigned min_bits = 24;

// Reads the BITS of `kind`:BITS, where `whole` is the flag value as given. The example in the
// message has the kind that the user typed.
unsigned parse_bits(const std::string& kind, const std::string& text, const std::string& whole, unsigned max_bits) {
  unsigned bits = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), bits);
  if (error != std::errc() || end != text.data() + text.size() || bits < min_bits || bits > max_bits) {
    throw InputError("invalid arithmetic '" + shortened(whole) + "': BITS must be an integer from " +
                     std::to_string(min_bits) + " to " + std::to_string(max_bits) +
                     ", for example " + kind + ":256");
  }
  return bits;
}

}  // namespace

std::string ArithmeticSpec::name() const {
  switch (kind) {
    case ArithmeticKind::exact:
      return "exact";
    case ArithmeticKind::interval:
      return "interval:" + std::to_string(bits);
    case ArithmeticKind::mpfr:
      return "mpfr:" + std::to_string(bits);
    case ArithmeticKind::long_double:
      return "long-double";
    case ArithmeticKind::double_precision:
      break;
  }
  return "double";
}

Evidence ArithmeticSpec::evidence() const {
  switch (kind) {
    case ArithmeticKind::exact:
      return Evidence::exact;
    case ArithmeticKind::interval:
      return Evidence::certified;
    default:
      return Evidence::numerical;
  }
}

ArithmeticSpec parse_arithmetic(const std::string& text, unsigned max_bits) {
  if (text == "exact") return {ArithmeticKind::exact, 0};
  if (text == "double") return {ArithmeticKind::double_precision, 0};
  if (text == "long-double") return {ArithmeticKind::long_double, 0};
  if (text.starts_with("interval:")) return {ArithmeticKind::interval, parse_bits("interval", text.substr(9), text, max_bits)};
  if (text.starts_with("mpfr:")) return {ArithmeticKind::mpfr, parse_bits("mpfr", text.substr(5), text, max_bits)};
  throw InputError("invalid arithmetic '" + shortened(text) +
                   "': use exact, interval:BITS, mpfr:BITS, double or long-double");
}

void set_multiprecision_bits(unsigned bits) {
  // Boost sets precision in decimal digits. A BITS-bit significand has floor((BITS - 1) log10 2)
  // digits10, and Boost maps the digit count back to at least BITS bits.
  const unsigned digits10 = static_cast<unsigned>((bits - 1) * 0.30102999566398119521) + 1;
  Mpfr::default_precision(digits10);
  Interval::default_precision(digits10);
}

}  // namespace sgverify
