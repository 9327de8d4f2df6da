// RapidCheck generators of small rational Theorem 1 instances, shrinkable in the dimension,
// the sample count and every entry.
#pragma once

#include "models/theorem1.hpp"
#include "numeric/rational.hpp"

#include <rapidcheck.h>

#include <ostream>
#include <vector>

namespace sgverify::testing {

// Largest dimension and sample count generated: small, so exact arithmetic stays fast.
constexpr int max_generated_dim = 3;
constexpr int max_generated_samples = 6;
// Pool of entries from which X, y, W, ω, μ and ν are taken (see RationalInstance).
constexpr int pool_size = max_generated_dim * max_generated_samples + max_generated_samples + (max_generated_dim + 1) + 3 + 2;

// A small rational: an integer in [-16, 16] over 1, 2, 3, 4 or 8. Shrinks toward 0 and toward 1 as denominator.
inline rc::Gen<Rational> small_rational() {
  return rc::gen::map(rc::gen::pair(rc::gen::inRange(-16, 17), rc::gen::element(1, 2, 4, 3, 8)),
                      [](const std::pair<int, int>& parts) { return Rational(parts.first, parts.second); });
}

// A random instance and state. Taking the top-left block of a fixed pool, not a container
// sized by the dimension, lets RapidCheck shrink the dimension and the sample count.
struct RationalInstance {
  int dim = 1;
  int samples = 1;
  std::vector<Rational> pool;

  Dataset dataset() const {
    Dataset data;
    data.source = "generated";
    data.X.resize(dim, samples);
    data.y.resize(samples);
    for (int i = 0; i < dim; ++i)
      for (int s = 0; s < samples; ++s) data.X(i, s) = pool[static_cast<std::size_t>(i * max_generated_samples + s)];
    for (int s = 0; s < samples; ++s) data.y(s) = pool[static_cast<std::size_t>(max_generated_dim * max_generated_samples + s)];
    for (int i = 0; i < dim; ++i) data.feature_names.push_back("x" + std::to_string(i + 1));
    return data;
  }
  std::size_t state_offset() const { return max_generated_dim * max_generated_samples + max_generated_samples; }
  RowVector<Rational> W() const {
    RowVector<Rational> weights(dim + 1);
    for (int i = 0; i <= dim; ++i) weights(i) = pool[state_offset() + static_cast<std::size_t>(i)];
    return weights;
  }
  Vector<Rational> omega() const {
    Vector<Rational> result(3);
    for (int i = 0; i < 3; ++i) result(i) = pool[state_offset() + max_generated_dim + 1 + static_cast<std::size_t>(i)];
    return result;
  }
  // μ and ν: positive, from the last two pool entries.
  Rational mu() const { return abs(pool[pool.size() - 2]) + Rational(1, 16); }
  Rational nu() const { return abs(pool[pool.size() - 1]) + Rational(1, 16); }
};

inline std::ostream& operator<<(std::ostream& out, const RationalInstance& instance) {
  out << "d = " << instance.dim << ", S = " << instance.samples << ", pool =";
  for (const Rational& value : instance.pool) out << ' ' << value;
  return out;
}

inline rc::Gen<RationalInstance> rational_instance() {
  return rc::gen::apply(
      [](int dim, int samples, std::vector<Rational> pool) { return RationalInstance{dim, samples, std::move(pool)}; },
      rc::gen::inRange(1, max_generated_dim + 1), rc::gen::inRange(1, max_generated_samples + 1),
      rc::gen::container<std::vector<Rational>>(pool_size, small_rational()));
}

}  // namespace sgverify::testing

namespace rc {
template <>
struct Arbitrary<sgverify::testing::RationalInstance> {
  static Gen<sgverify::testing::RationalInstance> arbitrary() { return sgverify::testing::rational_instance(); }
};
}  // namespace rc
