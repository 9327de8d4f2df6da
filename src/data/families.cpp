#include "data/families.hpp"

#include "data/rng.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>

#include <numeric>

namespace sgverify {

namespace {

// Grid of the regression family's weights and bias, and of its targets (see the header).
constexpr unsigned weight_grid_bits = 8;
constexpr unsigned regression_grid_bits = default_grid_bits + weight_grid_bits;
// Fraction of labels swapped by the noisy family.
const Rational noisy_fraction(1, 10);

}  // namespace

Family parse_family(const std::string& text) {
  if (text == "linear") return Family::linear;
  if (text == "noisy") return Family::noisy;
  if (text == "random") return Family::random;
  if (text == "regression") return Family::regression;
  throw InputError("invalid family '" + text + "': use linear, noisy, random or regression");
}

std::string to_string(Family family) {
  switch (family) {
    case Family::linear:
      return "linear";
    case Family::noisy:
      return "noisy";
    case Family::random:
      return "random";
    case Family::regression:
      break;
  }
  return "regression";
}

Dataset make_family_dataset(const FamilySpec& spec) {
  if (spec.dim < 1) throw InputError(fmt::format("invalid dimension {}: it must be at least 1", spec.dim));
  if (spec.samples < 1) throw InputError(fmt::format("invalid sample count {}: it must be at least 1", spec.samples));
  if (spec.noise < 0) throw InputError("invalid noise " + rational_to_string(spec.noise) + ": sigma must be >= 0");

  Random random(spec.seed);
  Dataset data;
  data.source = fmt::format("family {}, k = {}, S = {}, seed {}", to_string(spec.family), spec.dim, spec.samples, spec.seed);
  if (spec.family == Family::regression) data.source += ", sigma = " + rational_to_string(spec.noise);
  for (Eigen::Index i = 0; i < spec.dim; ++i) data.feature_names.push_back(fmt::format("x{}", i + 1));
  data.target_name = "y";
  data.X.resize(spec.dim, spec.samples);
  data.y.resize(spec.samples);

  // The model first, then the samples column by column, then labels or noise: this order is
  // part of the definition of each seed's instance.
  RowVector<Rational> weights(spec.dim);
  Rational bias(0);
  if (spec.family != Family::random) {
    const unsigned grid = spec.family == Family::regression ? weight_grid_bits : default_grid_bits;
    for (Eigen::Index i = 0; i < spec.dim; ++i) weights(i) = random.gaussian(grid);
    if (spec.family == Family::regression) bias = random.gaussian(weight_grid_bits);
  }
  for (Eigen::Index s = 0; s < spec.samples; ++s)
    for (Eigen::Index i = 0; i < spec.dim; ++i) data.X(i, s) = random.gaussian(default_grid_bits);

  switch (spec.family) {
    case Family::regression: {
      data.grid_bits = regression_grid_bits;
      data.target_encoding = "y = w·x + b + sigma·z with w, b, z standard Gaussian (w, b on the grid 2^-8)";
      for (Eigen::Index s = 0; s < spec.samples; ++s) {
        Rational target = bias;
        for (Eigen::Index i = 0; i < spec.dim; ++i) target += weights(i) * data.X(i, s);
        if (spec.noise != 0) target += round_to_dyadic(spec.noise * random.gaussian(regression_grid_bits), regression_grid_bits);
        data.y(s) = target;
      }
      break;
    }
    case Family::linear:
    case Family::noisy: {
      data.target_encoding = "+1 on the side of the hyperplane n·x = 0 that n points to, -1 on the other";
      for (Eigen::Index s = 0; s < spec.samples; ++s) {
        Rational side(0);
        for (Eigen::Index i = 0; i < spec.dim; ++i) side += weights(i) * data.X(i, s);
        data.y(s) = side >= 0 ? 1 : -1;
      }
      if (spec.family == Family::noisy) {
        // Swap the labels of exactly round(S/10) samples, chosen by a partial Fisher–Yates shuffle.
        const Rational count_exact = noisy_fraction * spec.samples;
        const auto swaps = static_cast<std::size_t>(round_to_dyadic(count_exact, 0).convert_to<long long>());
        std::vector<Eigen::Index> order(static_cast<std::size_t>(spec.samples));
        std::iota(order.begin(), order.end(), Eigen::Index{0});
        for (std::size_t j = 0; j < swaps; ++j) {
          const std::size_t pick = j + random.below(order.size() - j);
          std::swap(order[j], order[pick]);
          data.y(order[j]) = -data.y(order[j]);
        }
        data.target_encoding += "; then the labels of 10% of the samples swapped";
      }
      break;
    }
    case Family::random:
      data.target_encoding = "+1 or -1 uniformly at random";
      for (Eigen::Index s = 0; s < spec.samples; ++s) data.y(s) = (random.next() >> 63) != 0 ? 1 : -1;
      break;
  }
  check_representable(data, data.source);
  return data;
}

}  // namespace sgverify
