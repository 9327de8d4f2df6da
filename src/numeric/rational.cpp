#include "numeric/rational.hpp"

#include "io/input_error.hpp"

#include <mpfr.h>

#include <cstdio>
#include <optional>
#include <string_view>

namespace sgverify {

std::string to_string(Evidence evidence) {
  switch (evidence) {
    case Evidence::exact:
      return "exact";
    case Evidence::certified:
      return "certified";
    case Evidence::numerical:
      break;
  }
  return "numerical";
}

std::string rational_to_string(const Rational& value) {
  if (denominator(value) == 1) return numerator(value).str();
  return numerator(value).str() + "/" + denominator(value).str();
}

double rational_to_double(const Rational& value) {
  mpfr_t rounded;
  mpfr_init2(rounded, 53);
  mpfr_set_q(rounded, value.backend().data(), MPFR_RNDN);
  const double result = mpfr_get_d(rounded, MPFR_RNDN);
  mpfr_clear(rounded);
  return result;
}

long double rational_to_long_double(const Rational& value) {
  mpfr_t rounded;
  mpfr_init2(rounded, std::numeric_limits<long double>::digits);
  mpfr_set_q(rounded, value.backend().data(), MPFR_RNDN);
  const long double result = mpfr_get_ld(rounded, MPFR_RNDN);
  mpfr_clear(rounded);
  return result;
}

std::string ScalarTraits<double>::to_string(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

std::string ScalarTraits<long double>::to_string(long double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.21Lg", value);
  return buffer;
}

Rational ScalarTraits<long double>::to_rational(long double value) {
  mpfr_t exact;
  mpfr_init2(exact, std::numeric_limits<long double>::digits);
  mpfr_set_ld(exact, value, MPFR_RNDN);  // exact: the precision matches
  Mpfr as_mpfr(0);
  mpfr_set_prec(as_mpfr.backend().data(), std::numeric_limits<long double>::digits);
  mpfr_set(as_mpfr.backend().data(), exact, MPFR_RNDN);
  mpfr_clear(exact);
  return Rational(as_mpfr);
}

// GMP reads "025" as octal; decimal digit strings lose their leading zeros first.
boost::multiprecision::mpz_int decimal_integer(const std::string& digits) {
  const auto first = digits.find_first_not_of('0');
  return boost::multiprecision::mpz_int(first == std::string::npos ? std::string("0") : digits.substr(first));
}

namespace {

// Maximum digits of a numerator, denominator, integer part or fractional part. A 100 000-bit MPFR
// value, the widest a replay accepts, is a fraction of about 30 000 digits over a power of two.
// The bound stops a hostile file from requesting a 10^9-digit number.
constexpr std::size_t max_digits = 100'000;

// Scans the decimal digits at `position` and moves past them. Returns nullopt when there are none,
// or when there are more than max_digits, in which case it also sets `too_long`.
std::optional<std::string_view> scan_digits(std::string_view text, std::size_t& position, bool& too_long) {
  const std::size_t start = position;
  while (position < text.size() && text[position] >= '0' && text[position] <= '9') ++position;
  if (position - start > max_digits) too_long = true;
  if (position == start || too_long) return std::nullopt;
  return text.substr(start, position - start);
}

}  // namespace

Rational parse_rational(const std::string& text, const std::string& what) {
  // Bounded forms only: [+-]DIGITS/DIGITS, or [+-]DIGITS[.DIGITS][e[+-]DIGITS] with the exponent
  // in [-400, 400], so that a hostile flag or file cannot make a 10^9-digit power of ten.
  const auto invalid = [&](const std::string& why) { return InputError("invalid " + what + " '" + shortened(text) + "': " + why); };
  const std::string expected = "expected a number such as 0.25, 1e-3 or 3/7";
  const std::string_view view(text);
  std::size_t position = 0;
  bool too_long = false;
  const bool negative = !view.empty() && view[0] == '-';
  if (!view.empty() && (view[0] == '-' || view[0] == '+')) ++position;
  const std::optional<std::string_view> whole = scan_digits(view, position, too_long);
  const auto fail = [&]() { return invalid(too_long ? "more than " + std::to_string(max_digits) + " digits" : expected); };
  if (!whole) throw fail();
  if (position < view.size() && view[position] == '/') {
    ++position;
    const std::optional<std::string_view> below = scan_digits(view, position, too_long);
    if (!below || position != view.size()) throw fail();
    boost::multiprecision::mpz_int numerator_value = decimal_integer(std::string(*whole));
    if (negative) numerator_value = -numerator_value;
    const boost::multiprecision::mpz_int denominator_value = decimal_integer(std::string(*below));
    if (denominator_value == 0) throw invalid("the denominator is 0");
    return Rational(numerator_value, denominator_value);
  }
  std::string_view fraction_digits;
  if (position < view.size() && view[position] == '.') {
    ++position;
    const std::size_t start = position;
    if (position < view.size() && view[position] >= '0' && view[position] <= '9') {
      const std::optional<std::string_view> part = scan_digits(view, position, too_long);
      if (!part) throw fail();
      fraction_digits = *part;
    }
    position = start + fraction_digits.size();
  }
  long exponent = 0;
  if (position < view.size() && (view[position] == 'e' || view[position] == 'E')) {
    ++position;
    const bool exponent_negative = position < view.size() && view[position] == '-';
    if (position < view.size() && (view[position] == '-' || view[position] == '+')) ++position;
    const std::size_t start = position;
    while (position < view.size() && view[position] >= '0' && view[position] <= '9') ++position;
    const std::string_view exponent_digits = view.substr(start, position - start);
    if (exponent_digits.empty() || position != view.size()) throw fail();
    // More than 12 digits, or a value beyond ±400, is out of range either way.
    if (exponent_digits.size() > 12) throw invalid("the exponent must lie in [-400, 400]");
    exponent = std::stol(std::string(exponent_digits));
    if (exponent_negative) exponent = -exponent;
    if (exponent > 400 || exponent < -400) throw invalid("the exponent must lie in [-400, 400]");
  }
  if (position != view.size()) throw fail();
  exponent -= static_cast<long>(fraction_digits.size());
  boost::multiprecision::mpz_int digits = decimal_integer(std::string(*whole) + std::string(fraction_digits));
  if (negative) digits = -digits;
  const boost::multiprecision::mpz_int power = boost::multiprecision::pow(boost::multiprecision::mpz_int(10),
                                                                          static_cast<unsigned>(std::labs(exponent)));
  return exponent >= 0 ? Rational(digits * power) : Rational(digits, power);
}

Rational round_to_dyadic(const Rational& value, unsigned grid_bits) {
  const boost::multiprecision::mpz_int scale = boost::multiprecision::mpz_int(1) << grid_bits;
  const Rational scaled = value * scale;
  // Round half away from zero: floor(|x| + 1/2) with the sign put back.
  const Rational magnitude = abs(scaled) + Rational(1, 2);
  boost::multiprecision::mpz_int rounded = numerator(magnitude) / denominator(magnitude);
  if (scaled < 0) rounded = -rounded;
  return Rational(rounded, scale);
}

Rational ScalarTraits<Rational>::round_down_short(const Rational& value) {
  if (value <= 0) return value;
  // value = m · 2^e with m in [2^63, 2^64): floor(value · 2^-e) / 2^-e.
  const long exponent = static_cast<long>(msb(numerator(value))) - static_cast<long>(msb(denominator(value))) - 64;
  const boost::multiprecision::mpz_int power = boost::multiprecision::mpz_int(1) << static_cast<unsigned>(std::labs(exponent));
  const Rational scaled = exponent >= 0 ? Rational(value / power) : Rational(value * power);
  const boost::multiprecision::mpz_int floor_value = numerator(scaled) / denominator(scaled);
  return exponent >= 0 ? Rational(floor_value * power) : Rational(floor_value, power);
}

std::size_t bit_length(const Rational& value) {
  const auto numerator_value = numerator(value);
  const std::size_t numerator_bits = numerator_value == 0 ? 0 : msb(abs(numerator_value)) + 1;
  return numerator_bits + msb(denominator(value)) + 1;
}

bool is_positive_definite(const Matrix<Rational>& symmetric) {
  Matrix<Rational> work = symmetric;
  const Eigen::Index n = work.rows();
  for (Eigen::Index pivot = 0; pivot < n; ++pivot) {
    if (work(pivot, pivot) <= 0) return false;
    for (Eigen::Index row = pivot + 1; row < n; ++row) {
      const Rational factor = work(row, pivot) / work(pivot, pivot);
      if (factor == 0) continue;
      for (Eigen::Index column = pivot; column < n; ++column) work(row, column) -= factor * work(pivot, column);
    }
  }
  return true;
}

}  // namespace sgverify
