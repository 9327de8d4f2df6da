// Exact helpers on rationals: parsing decimal text, rounding to a dyadic grid, and checking
// positive definiteness without rounding.
#pragma once

#include "numeric/scalar_traits.hpp"

#include <string>

namespace sgverify {

// Parses "12", "-0.125", "1e-3", "2.5E+2" or "3/7" into the rational it denotes exactly.
// Throws InputError naming `what` and the text when it is not such a number.
Rational parse_rational(const std::string& text, const std::string& what);

// The multiple of 2^-grid_bits nearest to value (ties away from zero).
Rational round_to_dyadic(const Rational& value, unsigned grid_bits);

// Number of bits of numerator plus denominator: the cost measure of exact arithmetic.
std::size_t bit_length(const Rational& value);

// True when the symmetric matrix is positive definite, decided exactly by Gaussian elimination
// without pivoting: a symmetric matrix is positive definite if and only if every pivot is positive.
bool is_positive_definite(const Matrix<Rational>& symmetric);

}  // namespace sgverify
