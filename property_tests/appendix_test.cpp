// Appendices A and B: critics with any gradient, and the critical points an SG adds, all exact.
#include "proofs/critic.hpp"
#include "proofs/critical_points.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>


namespace sgverify::testing {
namespace {

using proofs::SgSystem;
using proofs::SgSystemState;

rc::Gen<Rational> quarter_rational(int low, int high) {
  return rc::gen::map(rc::gen::inRange(low * 16, high * 16 + 1), [](int numerator) { return Rational(numerator, 16); });
}

SgSystem paper_system() { return SgSystem{proofs::paper_data(), Rational(1, 64), Rational(1, 8)}; }

TEST_CASE("B.sg-critical-line holds for every slope") {
  REQUIRE(rc::check("every (a, 0, 0) is an exact fixed point on the paper's data", [] {
    const Rational a = *quarter_rational(-8, 8);
    const SgSystemState state{a, Rational(0), Rational(0)};
    RC_ASSERT(proofs::sg_step(paper_system(), state) == state);
  }));
  CHECK(proofs::check_sg_critical_line(paper_system(), {Rational(1), Rational(-3, 2)}).verdict == Verdict::confirmed);
}

TEST_CASE("B.sg-critical-line checker refutes unbalanced data") {
  // On {−3, 1, 2} two of three signs of x_i are positive, so c moves away from 0 at (1, 0, 0).
  const SgSystem skewed{{Rational(-3), Rational(1), Rational(2)}, Rational(1, 64), Rational(1, 8)};
  CHECK(proofs::check_sg_critical_line(skewed, {Rational(0), Rational(1)}).verdict == Verdict::refuted);
}

TEST_CASE("B.not-critical gives dL/da = 6") {
  const ClaimResult claim = proofs::check_not_critical(proofs::paper_data());
  CHECK(claim.verdict == Verdict::confirmed);
  CHECK(claim.worst_value == 6);
  const auto [d_a, d_b] = proofs::absolute_loss_gradient(proofs::paper_data(), Rational(1), Rational(0));
  CHECK(d_a == 6);
  CHECK(d_b == 0);
  // Planted failure: on data {0, 0} the loss is flat in a, so the checker must refute.
  CHECK(proofs::check_not_critical({Rational(0), Rational(0)}).verdict == Verdict::refuted);
}

TEST_CASE("B.stall holds from random starts") {
  REQUIRE(rc::check("a never moves on data with sum 0", [] {
    const SgSystemState start{*quarter_rational(-2, 2), *quarter_rational(-2, 2), *quarter_rational(-1, 1)};
    const proofs::SgTrajectory trajectory = proofs::run_sg_system(paper_system(), start, 300);
    for (const SgSystemState& state : trajectory.states) RC_ASSERT(state.a == start.a);
    RC_CLASSIFY(trajectory.fixed_at >= 0, "reached an exact fixed point");
  }));
}

TEST_CASE("B.stall holds on random zero-mean data") {
  REQUIRE(rc::check("on any data with sum x_i = 0 the update of a vanishes", [] {
    std::vector<Rational> x = *rc::gen::container<std::vector<Rational>>(*rc::gen::inRange(1, 7), quarter_rational(-3, 3));
    Rational sum(0);
    for (const Rational& value : x) sum += value;
    x.push_back(-sum);
    const SgSystem system{x, Rational(1, 32), Rational(1, 4)};
    const SgSystemState start{*quarter_rational(-2, 2), *quarter_rational(-2, 2), *quarter_rational(-1, 1)};
    RC_ASSERT(proofs::check_stall(system, {start}, 200).verdict == Verdict::confirmed);
  }));
}

TEST_CASE("B.stall checker refutes nonzero-mean data") {
  const SgSystem shifted{{Rational(-2), Rational(-1), Rational(1), Rational(3)}, Rational(1, 64), Rational(1, 8)};
  const SgSystemState start{Rational(1), Rational(0), Rational(1, 2)};
  CHECK(proofs::check_stall(shifted, {start}, 10).verdict == Verdict::refuted);
}

TEST_CASE("B.sg-critical-set is the cone |b| < |a|") {
  CHECK(proofs::check_critical_set(paper_system()).verdict == Verdict::confirmed);
  // (1, 1/2, 0) is inside the cone but off the line b = 0, and fixed.
  const SgSystemState inside{Rational(1), Rational(1, 2), Rational(0)};
  CHECK(proofs::sg_step(paper_system(), inside) == inside);
  const SgSystem skewed{{Rational(-3), Rational(1), Rational(2)}, Rational(1, 64), Rational(1, 8)};
  CHECK(proofs::check_critical_set(skewed).verdict == Verdict::refuted);
}

TEST_CASE("A.zero-gradient-critic holds on random data") {
  REQUIRE(rc::check("the zero-gradient critic fits the loss exactly with zero gradient at every sample", [](std::uint64_t seed) {
    const proofs::CriticProblem problem = proofs::make_critic_problem(*rc::gen::inRange(2, 8), 3, 2, seed);
    RC_PRE(problem.radius_squared > 0);  // hypothesis: distinct representations
    const proofs::CriticReport report = proofs::check_zero_gradient_critic(problem, seed);
    RC_ASSERT(report.claim.verdict == Verdict::confirmed);
    RC_ASSERT(report.critic_loss == 0.0);
    RC_ASSERT(report.training_signal == 0.0);
  }));
}

TEST_CASE("A.arbitrary-alignment gives cosine minus one") {
  const proofs::CriticProblem problem = proofs::make_critic_problem(6, 3, 2, 11);
  const Matrix<Rational> opposite = -proofs::loss_gradients(problem);
  const proofs::CriticReport report = proofs::check_arbitrary_alignment(problem, opposite, 11);
  CHECK(report.claim.verdict == Verdict::confirmed);
  for (Eigen::Index i = 0; i < problem.H.cols(); ++i) {
    const Vector<Rational> gradient = proofs::critic_gradient(problem, opposite, problem.H.col(i));
    const Vector<Rational> true_gradient = proofs::loss_gradients(problem).col(i);
    // cos = −1 exactly: g = −∂L/∂h, checked without square roots.
    CHECK(gradient == Vector<Rational>(-true_gradient));
    CHECK(gradient.dot(true_gradient) < 0);
  }
  CHECK(report.worst_cosine == Approx(-1.0).epsilon(1e-12));
}

TEST_CASE("critic checker refutes overlapping balls") {
  // With r² as large as the smallest squared distance, the balls of radius 2r overlap: the critic
  // value at some sample mixes two losses, so the checker must refute.
  proofs::CriticProblem problem = proofs::make_critic_problem(6, 3, 2, 11);
  problem.radius_squared *= 25;
  const Matrix<Rational> opposite = -proofs::loss_gradients(problem);
  CHECK(proofs::check_arbitrary_alignment(problem, opposite, 11).claim.verdict == Verdict::refuted);
}

}  // namespace
}  // namespace sgverify::testing
