// Seeded synthetic data sets: the artificial families (linear, noisy, random) of appendix D of
// Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural Interfaces" (ICML
// 2017), and a regression family y = w·x + b + σ·noise.
#pragma once

#include "data/dataset.hpp"

#include <cstdint>
#include <string>

namespace sgverify {

enum class Family { linear, noisy, random, regression };

struct FamilySpec {
  Family family = Family::regression;
  Eigen::Index dim = 2;
  Eigen::Index samples = 100;
  Rational noise = 0;  // σ of the regression family, ignored by the others
  std::uint64_t seed = 1;
};

Family parse_family(const std::string& text);
std::string to_string(Family family);

// Draws the data set. Features are standard Gaussian on the grid 2^-16. Labels of the
// classification families are encoded as targets +1 and -1 (the side of the hyperplane).
// The regression family draws w and b on the grid 2^-8, so that w·x + b is exact on the grid
// 2^-24 and σ = 0 gives exactly realizable targets; its noise is rounded to 2^-24.
Dataset make_family_dataset(const FamilySpec& spec);

}  // namespace sgverify
