// Seeded synthetic data: fixed checksums, exact dyadic values, and the family definitions.
#include "data/families.hpp"
#include "data/rng.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"

#include <Eigen/LU>
#include <catch2/catch.hpp>

namespace sgverify::testing {
namespace {

Dataset family(Family kind, int dim, int samples, const Rational& noise, std::uint64_t seed) {
  FamilySpec spec;
  spec.family = kind;
  spec.dim = dim;
  spec.samples = samples;
  spec.noise = noise;
  spec.seed = seed;
  return make_family_dataset(spec);
}

TEST_CASE("fixed seed gives fixed data checksum") {
  // Regression tests: these checksums must be the same on every machine and standard library.
  CHECK(family(Family::regression, 2, 100, 0, 1).checksum() == "f117119a27160c4f");
  CHECK(family(Family::regression, 2, 100, Rational(1, 2), 1).checksum() == "ebf05940084defb1");
  const std::string linear = family(Family::linear, 2, 100, 0, 7).checksum();
  CHECK(linear == family(Family::linear, 2, 100, 0, 7).checksum());
  CHECK(linear != family(Family::linear, 2, 100, 0, 8).checksum());
}

TEST_CASE("first Gaussian draws are fixed") {
  Random random(1);
  const Rational first = random.gaussian(16);
  const Rational second = random.gaussian(16);
  CHECK(denominator(Rational(first * 65536)) == 1);
  CHECK(first != second);
  Random again(1);
  CHECK(again.gaussian(16) == first);
}

TEST_CASE("Gaussian samples have mean near 0 and variance near 1") {
  Random random(42);
  constexpr int count = 20000;
  double sum = 0, squares = 0;
  for (int i = 0; i < count; ++i) {
    const double value = rational_to_double(random.gaussian(16));
    sum += value;
    squares += value * value;
  }
  const double mean = sum / count;
  // Standard errors: 1/sqrt(20000) ≈ 0.007 for the mean, sqrt(2/20000) ≈ 0.01 for the variance.
  CHECK(std::abs(mean) < 0.04);
  CHECK(std::abs(squares / count - mean * mean - 1) < 0.05);
}

TEST_CASE("regression family with sigma 0 is exactly realizable") {
  const Dataset data = family(Family::regression, 3, 40, 0, 5);
  const Matrix<Rational> augmented = data.augmented();
  // y lies in the row space of X̄: the normal equations leave a zero residual.
  const Matrix<Rational> gram = augmented * augmented.transpose();
  const Vector<Rational> weights = gram.fullPivLu().solve(Vector<Rational>(augmented * data.y.transpose()));
  CHECK((data.y - weights.transpose() * augmented).isZero());
  const Dataset noisy = family(Family::regression, 3, 40, Rational(1, 2), 5);
  const Vector<Rational> noisy_weights = gram.fullPivLu().solve(Vector<Rational>(augmented * noisy.y.transpose()));
  CHECK_FALSE((noisy.y - noisy_weights.transpose() * augmented).isZero());
}

TEST_CASE("classification families have labels plus or minus one") {
  for (const Family kind : {Family::linear, Family::noisy, Family::random}) {
    const Dataset data = family(kind, 2, 100, 0, 3);
    for (Eigen::Index s = 0; s < data.samples(); ++s) CHECK(abs(data.y(s)) == 1);
  }
}

TEST_CASE("noisy family swaps exactly ten percent of labels") {
  const Dataset linear = family(Family::linear, 2, 100, 0, 11);
  const Dataset noisy = family(Family::noisy, 2, 100, 0, 11);
  CHECK(linear.X == noisy.X);
  int swapped = 0;
  for (Eigen::Index s = 0; s < linear.samples(); ++s) swapped += linear.y(s) != noisy.y(s) ? 1 : 0;
  CHECK(swapped == 10);
}

TEST_CASE("linear family labels are the side of one hyperplane") {
  // The labels must be separable through the origin. For k = 1 the hyperplane is x = 0, so the
  // label is the sign of x times the sign of the normal, the same for every sample.
  const Dataset data = family(Family::linear, 1, 200, 0, 4);
  int agree = 0;
  for (Eigen::Index s = 0; s < data.samples(); ++s) agree += (data.X(0, s) >= 0) == (data.y(s) > 0) ? 1 : 0;
  CHECK((agree == 0 || agree == data.samples()));
  int positives = 0;
  for (Eigen::Index s = 0; s < data.samples(); ++s) positives += data.y(s) > 0 ? 1 : 0;
  CHECK(positives > 50);
  CHECK(positives < 150);
}

TEST_CASE("family rejects invalid sizes") {
  CHECK_THROWS_AS(family(Family::regression, 0, 10, 0, 1), InputError);
  CHECK_THROWS_AS(family(Family::regression, 2, 0, 0, 1), InputError);
  CHECK_THROWS_AS(family(Family::regression, 2, 10, Rational(-1), 1), InputError);
}

TEST_CASE("parse_rational reads decimals exactly") {
  CHECK(parse_rational("0.001", "value") == Rational(1, 1000));
  CHECK(parse_rational("-2.5e2", "value") == Rational(-250));
  CHECK(parse_rational("3/7", "value") == Rational(3, 7));
  CHECK(parse_rational("1E-3", "value") == Rational(1, 1000));
  // Leading zeros are decimal, not octal as GMP would read them.
  CHECK(parse_rational("0.025", "value") == Rational(1, 40));
  CHECK(parse_rational("010", "value") == Rational(10));
  CHECK(parse_rational("-007/09", "value") == Rational(-7, 9));
  CHECK_THROWS_AS(parse_rational("nan", "value"), InputError);
  CHECK_THROWS_AS(parse_rational("1/0", "value"), InputError);
  CHECK_THROWS_AS(parse_rational("1e99999", "value"), InputError);
  CHECK_THROWS_AS(parse_rational("", "value"), InputError);
}

TEST_CASE("round_to_dyadic rounds to nearest") {
  CHECK(round_to_dyadic(Rational(1, 3), 2) == Rational(1, 4));
  CHECK(round_to_dyadic(Rational(-1, 3), 2) == Rational(-1, 4));
  CHECK(round_to_dyadic(Rational(3, 8), 2) == Rational(2, 4));
}

}  // namespace
}  // namespace sgverify::testing
