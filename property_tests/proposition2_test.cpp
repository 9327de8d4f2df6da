// Proposition 2 of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017): the cosine and noise bounds exactly, perturbed gradient descent in
// MPFR, and planted states for every checker.
#include "data/families.hpp"
#include "numeric/arithmetic.hpp"
#include "proofs/proposition2.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>

namespace sgverify::testing {
namespace {

rc::Gen<Rational> small_rational() {
  return rc::gen::map(rc::gen::pair(rc::gen::inRange(-12, 13), rc::gen::element(1, 2, 3, 4)),
                      [](const std::pair<int, int>& parts) { return Rational(parts.first, parts.second); });
}

Vector<Rational> random_vector(Eigen::Index dim) {
  const std::vector<Rational> entries = *rc::gen::container<std::vector<Rational>>(static_cast<std::size_t>(dim), small_rational());
  Vector<Rational> v(dim);
  for (Eigen::Index i = 0; i < dim; ++i) v(i) = entries[static_cast<std::size_t>(i)];
  return v;
}

Rational absolute(const Rational& value) { return value < 0 ? Rational(-value) : value; }

// δ in (0, 1) with denominator 100.
Rational generated_delta() { return Rational(*rc::gen::inRange(1, 100), 100); }

TEST_CASE("P2.cosine-bound: small errors keep the cosine") {
  REQUIRE(rc::check("|e| <= ((1 - delta)/(1 + delta))|g| implies g·(g+e) > 0 and (g·(g+e))² >= delta²|g|²|g+e|²", [] {
    const Eigen::Index dim = *rc::gen::inRange(1, 5);
    const Vector<Rational> g = random_vector(dim);
    const Vector<Rational> direction = random_vector(dim);
    const Rational delta = generated_delta();
    const Rational rho = proofs::relative_error_bound(delta);
    // Scale the error into the ball: |te|₂ <= t|e|₁ <= rho·s·|g|∞ <= rho|g|₂ for s <= 1.
    Rational g_inf = 0, e_l1 = 0;
    for (Eigen::Index i = 0; i < dim; ++i) {
      g_inf = std::max(g_inf, absolute(g(i)));
      e_l1 += absolute(direction(i));
    }
    const Rational shrink(*rc::gen::inRange(1, 9), 8);
    const Vector<Rational> e = e_l1 == 0 ? direction : Vector<Rational>(direction * (rho * g_inf * shrink / e_l1));
    RC_PRE(!g.isZero());
    RC_PRE(e.squaredNorm() <= rho * rho * g.squaredNorm());
    RC_CLASSIFY(e.isZero(), "e = 0");

    const Vector<Rational> d = g + e;
    const Rational inner = g.dot(d);
    RC_ASSERT(inner > 0);
    RC_ASSERT(inner * inner >= delta * delta * g.squaredNorm() * d.squaredNorm());
    RC_ASSERT(proofs::check_cosine_bound({g, e, delta, rho}).verdict == Verdict::confirmed);
  }));
}

TEST_CASE("P2.cosine-bound on the boundary sphere") {
  REQUIRE(rc::check("e of length exactly rho|g| at a Pythagorean angle keeps cos(g, g+e) >= delta", [] {
    Vector<Rational> g = random_vector(2);
    RC_PRE(!g.isZero());
    const Rational delta = generated_delta();
    const Rational rho = proofs::relative_error_bound(delta);
    const int a = *rc::gen::inRange(0, 8), b = *rc::gen::inRange(0, 8);
    RC_PRE(a != 0 || b != 0);
    const Rational cosine_part(a * a - b * b, a * a + b * b), sine_part(2 * a * b, a * a + b * b);
    Vector<Rational> quarter(2);
    quarter << -g(1), g(0);
    const Vector<Rational> e = rho * (cosine_part * g + sine_part * quarter);
    RC_ASSERT(e.squaredNorm() == rho * rho * g.squaredNorm());

    const Vector<Rational> d = g + e;
    const Rational inner = g.dot(d);
    RC_ASSERT(inner > 0);
    RC_ASSERT(inner * inner >= delta * delta * g.squaredNorm() * d.squaredNorm());
  }));
}

TEST_CASE("P2.noise-bound: error through the Jacobian") {
  REQUIRE(rc::check("|e J|² <= |e|²·K² with K² = |J|_F² >= |J|²", [] {
    const Eigen::Index rows = *rc::gen::inRange(1, 4), cols = *rc::gen::inRange(1, 5);
    Matrix<Rational> J(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j) J.col(j) = random_vector(rows);
    const RowVector<Rational> e = random_vector(rows).transpose();
    const proofs::NoiseState state{e, J, e * J, e.squaredNorm(), J.squaredNorm()};
    RC_ASSERT(Rational((e * J).squaredNorm()) <= e.squaredNorm() * J.squaredNorm());
    const proofs::CheckVerdict verdict = proofs::check_noise_bound(state);
    RC_ASSERT(verdict.applicable);
    RC_ASSERT(verdict.verdict == Verdict::confirmed);
  }));
  REQUIRE(rc::check("for h = Wx the bound is tight: |e J|² = |e|²|x|², with K = |x| the spectral norm", [] {
    const Vector<Rational> x = random_vector(*rc::gen::inRange(1, 4));
    const RowVector<Rational> e = random_vector(*rc::gen::inRange(1, 4)).transpose();
    const Matrix<Rational> J = proofs::linear_layer_jacobian(x, e.size());
    RC_ASSERT(Rational((e * J).squaredNorm()) == e.squaredNorm() * x.squaredNorm());
    const proofs::CheckVerdict verdict = proofs::check_noise_bound({e, J, e * J, e.squaredNorm(), x.squaredNorm()});
    RC_ASSERT(verdict.applicable);
    RC_ASSERT(verdict.verdict == Verdict::confirmed);
  }));
}

TEST_CASE("P2.convergence: adversarial error on quadratics", "[long]") {
  set_multiprecision_bits(128);
  REQUIRE(rc::check("descent with |e| = ((1 - delta)/(1 + delta))|g| at the smallest cosine converges", [] {
    Random random(*rc::gen::arbitrary<std::uint64_t>());
    const proofs::QuadraticProblem problem = proofs::random_quadratic(random, *rc::gen::inRange(2, 5));
    const Rational delta = *rc::gen::elementOf(proofs::proposition2_deltas());
    RC_CLASSIFY(true, "delta " + rational_to_string(delta));
    const proofs::DescentRun run =
        proofs::run_perturbed_descent(problem, delta, proofs::relative_error_bound(delta), proofs::ErrorDirection::minimum_cosine);
    const proofs::CheckVerdict verdict = proofs::check_convergence(run);
    RC_PRE(verdict.applicable);
    RC_ASSERT(run.converged);
    RC_ASSERT(run.worst_cosine >= rational_to_double(delta));
    RC_ASSERT(verdict.verdict == Verdict::confirmed);
  }));
}

TEST_CASE("P2.convergence at every delta on regressions") {
  set_multiprecision_bits(128);
  for (const Rational& delta : proofs::proposition2_deltas()) {
    FamilySpec spec;
    spec.dim = 2;
    spec.samples = 20;
    spec.noise = Rational(1, 2);
    spec.seed = 5;
    const proofs::QuadraticProblem problem = proofs::regression_quadratic(Theorem1Problem(make_family_dataset(spec)));
    const proofs::DescentRun run =
        proofs::run_perturbed_descent(problem, delta, proofs::relative_error_bound(delta), proofs::ErrorDirection::minimum_cosine);
    INFO("delta " << rational_to_string(delta) << ", " << run.iterations << " steps");
    CHECK(run.converged);
    // The smallest cosine the error allows is sqrt(1 - rho²) = 2 sqrt(delta)/(1 + delta).
    const double d = rational_to_double(delta);
    CHECK(run.worst_cosine == Approx(2 * std::sqrt(d) / (1 + d)).epsilon(1e-12));
    CHECK(run.worst_cosine >= d);
    CHECK(proofs::check_convergence(run).verdict == Verdict::confirmed);
  }
}

// Planted states.

TEST_CASE("cosine checker planted and perturbed") {
  Vector<Rational> g(2), quarter(2);
  g << 1, 0;
  quarter << 0, 1;
  const Rational delta(9, 10);
  const Rational rho = proofs::relative_error_bound(delta);  // 1/19
  const auto error_of_size = [&](const Rational& size) { return Vector<Rational>(size * (Rational(-3, 5) * g + Rational(4, 5) * quarter)); };
  const proofs::CheckVerdict planted = proofs::check_cosine_bound({g, error_of_size(rho), delta, rho});
  CHECK(planted.applicable);
  CHECK(planted.verdict == Verdict::confirmed);
  // A relative error of 1/2 is far above 1/19: the cosine drops to 0.868 < 9/10.
  const proofs::CheckVerdict perturbed = proofs::check_cosine_bound({g, error_of_size(Rational(1, 2)), delta, Rational(1, 2)});
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK(perturbed.margin < 0);
}

TEST_CASE("noise checker planted and perturbed") {
  Vector<Rational> x(2);
  x << 1, -2;
  RowVector<Rational> e(3);
  e << 1, Rational(1, 2), -1;
  const Matrix<Rational> J = proofs::linear_layer_jacobian(x, 3);
  proofs::NoiseState state{e, J, e * J, e.squaredNorm(), x.squaredNorm()};
  CHECK(proofs::check_noise_bound(state).verdict == Verdict::confirmed);
  state.lower_error *= 2;
  const proofs::CheckVerdict perturbed = proofs::check_noise_bound(state);
  CHECK(perturbed.verdict == Verdict::refuted);
  CHECK(perturbed.margin < 0);
  // K below the spectral norm is outside the hypotheses.
  state.lower_error = e * J;
  state.K_squared = x.squaredNorm() / 2;
  CHECK_FALSE(proofs::check_noise_bound(state).applicable);
}

TEST_CASE("convergence checker planted and perturbed") {
  set_multiprecision_bits(128);
  Random random(2);
  const proofs::QuadraticProblem problem = proofs::random_quadratic(random, 3);
  const proofs::DescentRun planted = proofs::run_perturbed_descent(problem, Rational(1, 2), Rational(1, 3), proofs::ErrorDirection::minimum_cosine);
  CHECK(proofs::check_convergence(planted).verdict == Verdict::confirmed);
  // e = -3g turns descent into ascent with twice the gradient.
  const proofs::DescentRun perturbed = proofs::run_perturbed_descent(problem, Rational(1, 2), Rational(3), proofs::ErrorDirection::opposite);
  CHECK(perturbed.diverged);
  const proofs::CheckVerdict verdict = proofs::check_convergence(perturbed);
  CHECK(verdict.verdict == Verdict::refuted);
  CHECK_FALSE(verdict.applicable);
}

}  // namespace
}  // namespace sgverify::testing
