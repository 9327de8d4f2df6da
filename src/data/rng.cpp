#include "data/rng.hpp"

#include "numeric/rational.hpp"

#include <mpfr.h>

namespace sgverify {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Working precision of the Box–Muller evaluation; the result is rounded to the grid after.
constexpr mpfr_prec_t gaussian_bits = 96;

}  // namespace

Random::Random(std::uint64_t seed) {
  for (auto& word : state_) word = splitmix64(seed);
}

std::uint64_t Random::next() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Random::uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }

std::uint64_t Random::below(std::uint64_t bound) {
  const std::uint64_t limit = bound == 0 ? 0 : (~std::uint64_t{0} - bound + 1) % bound;
  for (;;) {
    const std::uint64_t value = next();
    if (value >= limit) return value % bound;
  }
}

Rational Random::gaussian(unsigned grid_bits) {
  // z = sqrt(-2 ln u1) · cos(2π u2), with u1 in (0, 1].
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  mpfr_t radius, angle, result;
  mpfr_inits2(gaussian_bits, radius, angle, result, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(radius, u1, MPFR_RNDN);
  mpfr_log(radius, radius, MPFR_RNDN);
  mpfr_mul_si(radius, radius, -2, MPFR_RNDN);
  mpfr_sqrt(radius, radius, MPFR_RNDN);
  mpfr_const_pi(angle, MPFR_RNDN);
  mpfr_mul_d(angle, angle, 2.0 * u2, MPFR_RNDN);
  mpfr_cos(angle, angle, MPFR_RNDN);
  mpfr_mul(result, radius, angle, MPFR_RNDN);
  // Scale to the grid and round to the nearest integer there: an exact dyadic rational.
  mpfr_mul_2ui(result, result, grid_bits, MPFR_RNDN);
  mpfr_round(result, result);
  mpz_t integer;
  mpz_init(integer);
  mpfr_get_z(integer, result, MPFR_RNDN);
  const Rational value(boost::multiprecision::mpz_int(integer), boost::multiprecision::mpz_int(1) << grid_bits);
  mpz_clear(integer);
  mpfr_clears(radius, angle, result, static_cast<mpfr_ptr>(nullptr));
  return value;
}

}  // namespace sgverify
