// Theorem 2 of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017). The tests cover the generated strictly norm-decreasing maps and the
// constructions behind T2.needs-*, T2.hypothesis-at-zero and T2.no-uniform-rate. Each checker
// also gets a planted state that satisfies its claim (confirmed) and a perturbed one (refuted).
#include "numeric/arithmetic.hpp"
#include "proofs/theorem2.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>

namespace sgverify::testing {
namespace {

using proofs::NormKind;

const NormKind all_norms[] = {NormKind::l1, NormKind::l2, NormKind::linf, NormKind::pair};
// Norms whose value is rational on rational vectors, as the discontinuous map needs.
const NormKind rational_norms[] = {NormKind::l1, NormKind::linf, NormKind::pair};

// Horizon of the limit properties: about ten times the longest orbit the generators produce.
constexpr std::int64_t limit_steps = 5000;

Eigen::Index dimension_for(NormKind norm, int size) { return norm == NormKind::pair ? 2 * size : size; }

rc::Gen<Rational> small_rational() {
  return rc::gen::map(rc::gen::pair(rc::gen::inRange(-12, 13), rc::gen::element(1, 2, 3, 4)),
                      [](const std::pair<int, int>& parts) { return Rational(parts.first, parts.second); });
}

Vector<Rational> vector_of(const std::vector<Rational>& entries) {
  Vector<Rational> x(static_cast<Eigen::Index>(entries.size()));
  for (std::size_t i = 0; i < entries.size(); ++i) x(static_cast<Eigen::Index>(i)) = entries[i];
  return x;
}

Vector<Rational> nonzero_vector(Eigen::Index dim) {
  const std::vector<Rational> entries = *rc::gen::container<std::vector<Rational>>(static_cast<std::size_t>(dim), small_rational());
  const Vector<Rational> x = vector_of(entries);
  RC_PRE(!x.isZero());
  return x;
}

struct GeneratedMap {
  proofs::ContractionMap map;
  Vector<Rational> x0;
};

GeneratedMap generated_map(bool rational_only) {
  const NormKind norm = *rc::gen::elementOf(std::vector<NormKind>(std::begin(all_norms), std::end(all_norms)));
  const Eigen::Index dim = dimension_for(norm, *rc::gen::inRange(1, 4));
  Random random(*rc::gen::arbitrary<std::uint64_t>());
  GeneratedMap generated{proofs::generate_contraction_map(random, norm, dim, rational_only), nonzero_vector(dim)};
  RC_CLASSIFY(true, proofs::to_string(norm));
  RC_CLASSIFY(true, "factor " + proofs::to_string(generated.map.factor));
  RC_CLASSIFY(true, "core " + proofs::to_string(generated.map.core));
  return generated;
}

proofs::RationalMap as_function(const proofs::ContractionMap& map) {
  return [map](const Vector<Rational>& x) { return map.apply(x); };
}

TEST_CASE("generated maps decrease every nonzero norm") {
  REQUIRE(rc::check("every generated rational map has |f(x)| < |x| at a random x != 0, decided exactly", [] {
    const GeneratedMap generated = generated_map(true);
    const Vector<Rational> x = nonzero_vector(generated.map.dim());
    const Rational before = proofs::norm_measure(x, generated.map.norm);
    const Rational after = proofs::norm_measure(generated.map.apply(x), generated.map.norm);
    RC_ASSERT(after < before);
  }));
}

TEST_CASE("T2.limit: orbits of generated maps tend to 0") {
  set_multiprecision_bits(256);
  REQUIRE(rc::check("a continuous map with |f(x)| < |x| for x != 0 drives every orbit below |x_0|/100", [] {
    const GeneratedMap generated = generated_map(false);
    // Hypothesis of Theorem 2, checked exactly at the start for the rational maps.
    if (generated.map.is_rational()) {
      RC_PRE(proofs::norm_measure(generated.map.apply(generated.x0), generated.map.norm) < proofs::norm_measure(generated.x0, generated.map.norm));
    }
    const proofs::CheckVerdict verdict = generated.map.is_exactly_iterable()
                                             ? proofs::check_limit({as_function(generated.map), generated.x0, generated.map.norm, limit_steps})
                                             : proofs::check_limit_mpfr(generated.map, generated.x0, limit_steps);
    RC_CLASSIFY(generated.map.is_exactly_iterable(), "exact orbit");
    RC_ASSERT(verdict.applicable);
    RC_ASSERT(verdict.verdict == Verdict::confirmed);
    RC_ASSERT(verdict.norms.back() <= verdict.norms.front() / 100 * (1 + 1e-12));
  }));
}

TEST_CASE("T2.hypothesis-at-zero: the literal hypothesis fails at 0") {
  REQUIRE(rc::check("|f(0)| < |0| fails for every generated map, and f(0) = 0", [] {
    const GeneratedMap generated = generated_map(true);
    const Vector<Rational> zero = Vector<Rational>::Zero(generated.map.dim());
    const Vector<Rational> image = generated.map.apply(zero);
    RC_ASSERT(!(proofs::norm_measure(image, generated.map.norm) < proofs::norm_measure(zero, generated.map.norm)));
    RC_ASSERT(image.isZero());
    const proofs::CheckVerdict verdict = proofs::check_hypothesis_at_zero(as_function(generated.map), generated.map.norm, {generated.x0}, generated.map.dim());
    RC_ASSERT(verdict.verdict == Verdict::confirmed);
  }));
}

TEST_CASE("T2.needs-continuity: discontinuous map stays away from 0") {
  REQUIRE(rc::check("from |x_0| > 1 the jump map decreases the norm but keeps every |x_n| > 1", [] {
    const NormKind norm = *rc::gen::elementOf(std::vector<NormKind>(std::begin(rational_norms), std::end(rational_norms)));
    const Vector<Rational> x0 = nonzero_vector(dimension_for(norm, *rc::gen::inRange(1, 4)));
    RC_PRE(proofs::norm_measure(x0, norm) > 1);
    const proofs::RationalMap f = proofs::discontinuous_map(norm);
    Vector<Rational> x = x0;
    for (int n = 1; n <= 40; ++n) {
      const Vector<Rational> next = f(x);
      RC_ASSERT(proofs::norm_measure(next, norm) < proofs::norm_measure(x, norm));
      RC_ASSERT(proofs::norm_measure(next, norm) > 1);
      // Closed form: |x_n| = 1 + (|x_0| - 1)/2^n.
      RC_ASSERT(proofs::norm_measure(next, norm) == 1 + (proofs::norm_measure(x0, norm) - 1) / Rational(boost::multiprecision::mpz_int(1) << n));
      x = next;
    }
    const proofs::ConstructionCheck check = proofs::check_construction("jump-at-unit-sphere", norm, x0, 40);
    RC_ASSERT(check.verdict.verdict == Verdict::confirmed);
  }));
}

TEST_CASE("T2.needs-strictness: an isometry keeps the norm") {
  REQUIRE(rc::check("a rotation or signed permutation keeps |x_n| = |x_0| != 0", [] {
    const NormKind norm = *rc::gen::elementOf(std::vector<NormKind>(std::begin(all_norms), std::end(all_norms)));
    const Vector<Rational> x0 = nonzero_vector(dimension_for(norm, *rc::gen::inRange(1, 4)));
    const proofs::ConstructionCheck check = proofs::check_construction("isometry", norm, x0, 50);
    RC_ASSERT(check.verdict.applicable);
    RC_ASSERT(check.verdict.verdict == Verdict::confirmed);
    RC_ASSERT(check.verdict.norms.back() == check.verdict.norms.front());
  }));
}

TEST_CASE("T2.needs-finite-dimension: weighted shift stays above half") {
  REQUIRE(rc::check("the weighted shift on l^2 keeps |f^n(x)|² >= |x|²/4 and decreases the norm", [] {
    const Vector<Rational> x0 = nonzero_vector(*rc::gen::inRange(1, 5));
    const std::int64_t steps = *rc::gen::inRange(1, 80);
    const Vector<Rational> weights = proofs::shift_weights(x0.size() + steps + 1);
    Vector<Rational> x = Vector<Rational>::Zero(weights.size());
    x.head(x0.size()) = x0;
    const Rational start = x.squaredNorm();
    for (std::int64_t n = 1; n <= steps; ++n) {
      const Vector<Rational> next = proofs::apply_shift(weights, x);
      RC_ASSERT(next.squaredNorm() < x.squaredNorm());
      RC_ASSERT(next.squaredNorm() * 4 >= start);
      x = next;
    }
    RC_ASSERT(proofs::check_shift_bounded_below(weights, x0, steps, Rational(1, 4)).verdict == Verdict::confirmed);
  }));
}

TEST_CASE("shift weights multiply to (n+2)/(2(n+1))") {
  Rational product = 1;
  for (std::int64_t n = 1; n <= 500; ++n) {
    REQUIRE(proofs::shift_weight(n) < 1);
    REQUIRE(proofs::shift_weight(n) > 0);
    product *= proofs::shift_weight(n);
    REQUIRE(product == Rational(n + 2, 2 * (n + 1)));
  }
}

TEST_CASE("T2.no-uniform-rate: x/(1+|x|) is slower than geometric") {
  REQUIRE(rc::check("the step ratio of x/(1 + |x|) exceeds 999/1000 before n = 1200 and stays above it", [] {
    const NormKind norm = *rc::gen::elementOf(std::vector<NormKind>(std::begin(rational_norms), std::end(rational_norms)));
    const Vector<Rational> x0 = nonzero_vector(dimension_for(norm, *rc::gen::inRange(1, 4)));
    const proofs::ConstructionCheck check = proofs::check_construction("inverse-norm", norm, x0, 1200);
    RC_ASSERT(check.verdict.verdict == Verdict::confirmed);
    RC_ASSERT(check.verdict.applicable);
  }));
}

TEST_CASE("every named construction is confirmed") {
  for (const proofs::ConstructionSpec& spec : proofs::theorem2_constructions()) {
    INFO(spec.claim << " " << spec.name << " under " << proofs::to_string(spec.norm));
    const proofs::ConstructionCheck check = proofs::check_construction(spec.name, spec.norm, spec.x0, spec.steps);
    CHECK(check.claim == spec.claim);
    CHECK(check.verdict.verdict == Verdict::confirmed);
    CHECK(check.verdict.applicable);
  }
}

// Planted states: each checker confirms a state that satisfies its claim and refutes the same
// state with one part perturbed.

const proofs::RationalMap quarter_turn = [](const Vector<Rational>& x) {
  Vector<Rational> image(2);
  image << -x(1), x(0);
  return image;
};
const proofs::RationalMap halving = [](const Vector<Rational>& x) { return Vector<Rational>(x / 2); };

Vector<Rational> point(Rational a, Rational b) {
  Vector<Rational> x(2);
  x << a, b;
  return x;
}

TEST_CASE("limit checker planted and perturbed") {
  const proofs::RationalMap shrinking = [](const Vector<Rational>& x) { return Vector<Rational>(x / (1 + proofs::norm_measure(x, NormKind::l1))); };
  const proofs::CheckVerdict planted = proofs::check_limit({shrinking, point(2, -1), NormKind::l1, 1000});
  CHECK(planted.verdict == Verdict::confirmed);
  CHECK(planted.applicable);
  const proofs::CheckVerdict perturbed = proofs::check_limit({quarter_turn, point(2, -1), NormKind::l1, 1000});
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK_FALSE(perturbed.applicable);
  CHECK(perturbed.margin < 0);
}

TEST_CASE("MPFR limit checker planted and perturbed") {
  set_multiprecision_bits(256);
  Random random(3);
  proofs::ContractionMap map = proofs::generate_contraction_map(random, NormKind::l1, 2, false);
  map.factor = proofs::Factor::slow;
  map.core = proofs::Core::identity;
  CHECK(proofs::check_limit_mpfr(map, point(2, -1), 5000).verdict == Verdict::confirmed);
  map.factor = proofs::Factor::none;  // the isometry Q alone: a periodic orbit
  const proofs::CheckVerdict perturbed = proofs::check_limit_mpfr(map, point(2, -1), 5000);
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK_FALSE(perturbed.applicable);
}

TEST_CASE("hypothesis-at-zero checker planted and perturbed") {
  const std::vector<Vector<Rational>> samples{point(1, 2), point(-3, Rational(1, 2))};
  CHECK(proofs::check_hypothesis_at_zero(halving, NormKind::l2, samples, 2).verdict == Verdict::confirmed);
  const proofs::RationalMap doubling = [](const Vector<Rational>& x) { return Vector<Rational>(2 * x); };
  const proofs::CheckVerdict perturbed = proofs::check_hypothesis_at_zero(doubling, NormKind::l2, samples, 2);
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK(perturbed.margin < 0);
}

TEST_CASE("stays-away checker planted and perturbed") {
  const proofs::CheckVerdict planted = proofs::check_stays_away({proofs::discontinuous_map(NormKind::linf), point(3, 1), NormKind::linf, 60}, 1);
  CHECK(planted.verdict == Verdict::confirmed);
  CHECK(planted.applicable);
  const proofs::CheckVerdict perturbed = proofs::check_stays_away({halving, point(3, 1), NormKind::linf, 60}, 1);
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK(perturbed.margin < 0);
}

TEST_CASE("norm-preserved checker planted and perturbed") {
  CHECK(proofs::check_norm_preserved({quarter_turn, point(2, 5), NormKind::l1, 20}).verdict == Verdict::confirmed);
  const proofs::CheckVerdict perturbed = proofs::check_norm_preserved({halving, point(2, 5), NormKind::l1, 20});
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK(perturbed.margin < 0);
}

TEST_CASE("shift checker planted and perturbed") {
  const Vector<Rational> x0 = point(1, -2);
  const Vector<Rational> weights = proofs::shift_weights(x0.size() + 100 + 1);
  CHECK(proofs::check_shift_bounded_below(weights, x0, 100, Rational(1, 4)).verdict == Verdict::confirmed);
  const Vector<Rational> halves = Vector<Rational>::Constant(weights.size(), Rational(1, 2));
  const proofs::CheckVerdict perturbed = proofs::check_shift_bounded_below(halves, x0, 100, Rational(1, 4));
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK(perturbed.margin < 0);
}

TEST_CASE("slower-than-geometric checker planted and perturbed") {
  const proofs::RationalMap slow = [](const Vector<Rational>& x) { return Vector<Rational>(x / (1 + proofs::norm_measure(x, NormKind::l1))); };
  CHECK(proofs::check_slower_than_geometric({slow, point(1, 1), NormKind::l1, 1200}, proofs::geometric_rates(), true).verdict == Verdict::confirmed);
  const proofs::CheckVerdict perturbed = proofs::check_slower_than_geometric({halving, point(1, 1), NormKind::l1, 1200}, proofs::geometric_rates(), false);
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK(perturbed.margin < 0);
}

TEST_CASE("theorem2 claims all decided at 40 maps") {
  const proofs::Theorem2Outcome outcome = proofs::run_theorem2_claims(1, 40);
  for (const ClaimResult& claim : outcome.claims) {
    INFO(claim.id << ": " << claim.detail);
    CHECK(claim.verdict == Verdict::confirmed);
  }
}

}  // namespace
}  // namespace sgverify::testing
