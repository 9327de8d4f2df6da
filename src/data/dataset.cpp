#include "data/dataset.hpp"

#include "data/checksum.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>
#include <mpfr.h>

namespace sgverify {

namespace {

// Formats `value` to 6 significant digits for a message. MPFR's exponent range shows 10^400 as
// 1e+400, where a double would show inf.
std::string approximate_text(const Rational& value) {
  mpfr_t rounded;
  mpfr_init2(rounded, 53);
  mpfr_set_q(rounded, value.backend().data(), MPFR_RNDN);
  std::string result = "?";  // if MPFR cannot allocate the text
  char* text = nullptr;
  if (mpfr_asprintf(&text, "%.6Rg", rounded) >= 0) {
    result = text;
    mpfr_free_str(text);
  }
  mpfr_clear(rounded);
  return result;
}

}  // namespace

Matrix<Rational> Dataset::augmented() const {
  Matrix<Rational> result(dim() + 1, samples());
  result.topRows(dim()) = X;
  result.row(dim()).setConstant(Rational(1));
  return result;
}

std::string Dataset::checksum() const {
  TextChecksum checksum;
  checksum.feed(std::to_string(dim()));
  checksum.feed(std::to_string(samples()));
  for (Eigen::Index s = 0; s < samples(); ++s)
    for (Eigen::Index i = 0; i < dim(); ++i) checksum.feed(rational_to_string(X(i, s)));
  for (Eigen::Index s = 0; s < samples(); ++s) checksum.feed(rational_to_string(y(s)));
  return checksum.hex();
}

void check_representable(const Dataset& data, const std::string& where) {
  // A multiple of 2^-grid_bits is exact in a double when its numerator has at most 53 bits.
  const boost::multiprecision::mpz_int limit = boost::multiprecision::mpz_int(1) << 53;
  const Rational grid_unit(boost::multiprecision::mpz_int(1), boost::multiprecision::mpz_int(1) << data.grid_bits);
  const auto check = [&](const Rational& value, const std::string& position) {
    const Rational steps = value / grid_unit;
    if (denominator(steps) != 1) {
      throw InputError(fmt::format("{}: value {} at {} is not on the grid 2^-{}", where, rational_to_string(value),
                                   position, data.grid_bits));
    }
    if (abs(numerator(steps)) >= limit) {
      throw InputError(fmt::format("{}: value {} at {} is too large: after rounding to the grid 2^-{} it needs more "
                                   "than 53 bits; rescale the data",
                                   where, approximate_text(value), position, data.grid_bits));
    }
  };
  for (Eigen::Index s = 0; s < data.samples(); ++s) {
    for (Eigen::Index i = 0; i < data.dim(); ++i) check(data.X(i, s), fmt::format("sample {}, feature {}", s + 1, i + 1));
    check(data.y(s), fmt::format("sample {}, target", s + 1));
  }
}

bool fits_double_on_grid(const Rational& value, unsigned grid_bits) {
  const boost::multiprecision::mpz_int scale = boost::multiprecision::mpz_int(1) << grid_bits;
  const Rational steps = round_to_dyadic(value, grid_bits) * scale;  // a whole number
  return abs(numerator(steps)) < (boost::multiprecision::mpz_int(1) << 53);
}

void standardize_features(Dataset& data) {
  const Eigen::Index samples = data.samples();
  for (Eigen::Index i = 0; i < data.dim(); ++i) {
    Rational mean(0);
    for (Eigen::Index s = 0; s < samples; ++s) mean += data.X(i, s);
    mean /= samples;
    Rational variance(0);
    for (Eigen::Index s = 0; s < samples; ++s) variance += (data.X(i, s) - mean) * (data.X(i, s) - mean);
    variance /= samples;
    if (variance == 0) {
      throw InputError(fmt::format("feature '{}' is constant, so --standardize would divide by 0; remove the column",
                                   data.feature_names[static_cast<std::size_t>(i)]));
    }
    // 1/sqrt(variance) in MPFR at 128 bits, correctly rounded, then made an exact rational.
    mpfr_t scale;
    mpfr_init2(scale, 128);
    mpfr_set_q(scale, variance.backend().data(), MPFR_RNDN);
    mpfr_rec_sqrt(scale, scale, MPFR_RNDN);
    Mpfr scale_value(0);
    mpfr_set_prec(scale_value.backend().data(), 128);
    mpfr_set(scale_value.backend().data(), scale, MPFR_RNDN);
    mpfr_clear(scale);
    const Rational inverse_deviation(scale_value);
    for (Eigen::Index s = 0; s < samples; ++s)
      data.X(i, s) = round_to_dyadic((data.X(i, s) - mean) * inverse_deviation, data.grid_bits);
  }
}

}  // namespace sgverify
