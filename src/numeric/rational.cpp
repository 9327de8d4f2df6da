#include "numeric/rational.hpp"

#include "io/input_error.hpp"

#include <mpfr.h>

#include <cstdio>
#include <regex>

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

Rational parse_rational(const std::string& input, const std::string& what) {
  const std::string text = input;
  // Bounded forms only, so that a hostile flag or file cannot make a 10^9-digit power of ten.
  static const std::regex decimal(R"(([+-]?)(\d{1,4000})(?:\.(\d{0,4000}))?(?:[eE]([+-]?\d{1,12}))?)");
  static const std::regex fraction(R"(([+-]?\d{1,4000})/(\d{1,4000}))");
  std::smatch match;
  if (std::regex_match(text, match, fraction)) {
    const std::string signed_digits = match[1].str();
    const bool negative = signed_digits.front() == '-';
    const std::size_t digits_start = signed_digits.front() == '-' || signed_digits.front() == '+' ? 1 : 0;
    boost::multiprecision::mpz_int numerator_value = decimal_integer(signed_digits.substr(digits_start));
    if (negative) numerator_value = -numerator_value;
    const boost::multiprecision::mpz_int denominator_value = decimal_integer(match[2].str());
    if (denominator_value == 0) throw InputError("invalid " + what + " '" + shortened(text) + "': the denominator is 0");
    return Rational(numerator_value, denominator_value);
  }
  if (!std::regex_match(text, match, decimal)) {
    const bool too_long = text.size() > 4000;
    throw InputError("invalid " + what + " '" + shortened(text) + "': " +
                     (too_long ? std::string("more than 4000 digits") : std::string("expected a number such as 0.25, 1e-3 or 3/7")));
  }
  const std::string fraction_digits = match[3].str();
  long exponent = match[4].matched ? std::stol(match[4].str()) : 0;
  if (exponent > 400 || exponent < -400) {
    throw InputError("invalid " + what + " '" + shortened(text) + "': the exponent must lie in [-400, 400]");
  }
  exponent -= static_cast<long>(fraction_digits.size());
  boost::multiprecision::mpz_int digits = decimal_integer(match[2].str() + fraction_digits);
  if (match[1].str() == "-") digits = -digits;
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
