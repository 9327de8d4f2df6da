// Deterministic random numbers that are the same on every machine and standard library:
// xoshiro256** seeded through splitmix64, and Gaussian samples by the Box–Muller transform
// evaluated in MPFR, whose log, sqrt and cos are correctly rounded.
#pragma once

#include "numeric/scalar_traits.hpp"

#include <cstdint>

namespace sgverify {

class Random {
 public:
  explicit Random(std::uint64_t seed);

  std::uint64_t next();
  // Uniform on [0, 1) with 53 random bits.
  double uniform();
  // Uniform integer in [0, bound), without modulo bias.
  std::uint64_t below(std::uint64_t bound);
  // A standard Gaussian sample rounded to the dyadic grid 2^-grid_bits.
  Rational gaussian(unsigned grid_bits);

 private:
  std::uint64_t state_[4];
};

}  // namespace sgverify
