// A regression data set in exact rationals, the same for every arithmetic: every value is a
// dyadic rational small enough to be exactly representable as a double.
#pragma once

#include "numeric/scalar_traits.hpp"

#include <string>
#include <vector>

namespace sgverify {

// Grid of the instances: every generated or read value is a multiple of 2^-default_grid_bits.
// 16 bits keeps the rationals of exact runs short while resolving Gaussian data to about 1e-5.
constexpr unsigned default_grid_bits = 16;

struct Dataset {
  std::string source;                      // "family linear, k = 2, seed 1" or a file path
  std::vector<std::string> feature_names;  // d names
  std::string target_name;
  std::string target_encoding;             // how the targets were made, for the report
  Matrix<Rational> X;                      // d × S, one sample a column
  RowVector<Rational> y;                   // 1 × S
  unsigned grid_bits = default_grid_bits;

  Eigen::Index dim() const { return X.rows(); }
  Eigen::Index samples() const { return X.cols(); }
  // X̄ = [X; 1ᵀ], the data with the bias row.
  Matrix<Rational> augmented() const;
  // 16 hex digits of FNV-1a over the exact text of d, S, X and y: equal on every machine
  // exactly when the instances are equal.
  std::string checksum() const;
};

// Throws InputError unless every value is finite, on the grid, and exactly representable as a
// double; `where` names the data in the message.
void check_representable(const Dataset& data, const std::string& where);

// True when `value`, rounded to the grid 2^-grid_bits, is a multiple of 2^-grid_bits with at most
// 53 bits, as check_representable requires. Its magnitude is then below 2^(53 - grid_bits).
bool fits_double_on_grid(const Rational& value, unsigned grid_bits);

// Centres each feature and divides it by its standard deviation (population form), then rounds
// to the grid. Throws InputError for a constant feature.
void standardize_features(Dataset& data);

}  // namespace sgverify
