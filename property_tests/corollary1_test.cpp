// Corollary 1 of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017): gradients of the deep linear model, every C1 claim as a property, and
// planted failures that every checker must refute.
#include "models/deep_linear.hpp"
#include "models/deep_linear_impl.hpp"
#include "proofs/corollary1.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>

namespace sgverify::testing {
namespace {

using proofs::Corollary1Instance;

// Finite-difference step and agreement tolerance in 256-bit MPFR: the central difference of a
// quadratic loss is exact up to rounding, so 1e-40 relative leaves a wide margin above 2^-256.
const Mpfr difference_step("1e-30");
const Mpfr difference_tolerance("1e-40");

Corollary1Instance generated(std::int64_t index) { return proofs::generate_corollary1_instance(7, index); }

// Regression: the root of a rational above the double range went through inf, and GMP stopped the
// process with SIGFPE (the default `audit --proof corollary1` reached such a gate quantity).
TEST_CASE("rational root beyond double range") {
  for (const int exponent : {-700, -320, 0, 310, 700}) {
    INFO("value 10^" << exponent);
    const Rational value = exponent >= 0 ? Rational(boost::multiprecision::pow(boost::multiprecision::mpz_int(10), exponent))
                                         : Rational(1, boost::multiprecision::pow(boost::multiprecision::mpz_int(10), -exponent));
    const Rational root = deep_linear_detail::root(value);
    // Rounded to 53 bits, so root^2 is within a relative 2^-51 of the value.
    const Rational relative_error = abs(root * root - value) / value;
    CHECK(relative_error < Rational(1, boost::multiprecision::mpz_int(1) << 51));
  }
  CHECK(deep_linear_detail::root(Rational(0)) == 0);
}

TEST_CASE("moment gradients equal exact backpropagation") {
  REQUIRE(rc::check("the gradients from the data moments equal per-sample backpropagation exactly", [] {
    const Corollary1Instance instance = generated(*rc::gen::inRange<std::int64_t>(0, 500));
    const auto quantities = compute_deep_linear_quantities<Rational>(instance.problem.moments, instance.architecture, instance.state, true);
    const auto backprop = backpropagate_samples<Rational>(instance.problem, instance.architecture, instance.state);
    RC_ASSERT(quantities.loss == backprop.loss);
    for (std::size_t i = 0; i < backprop.gradient.size(); ++i) RC_ASSERT(quantities.true_gradient[i] == backprop.gradient[i]);
    // ‖e‖² from the moments equals the per-sample sum of ‖SG − ∂L/∂h_j‖².
    const Matrix<Rational> sg = instance.state.C * backprop.hidden + instance.state.D * instance.problem.Y +
                                instance.state.c * RowVector<Rational>::Ones(instance.problem.samples());
    RC_ASSERT(quantities.e_squared == Matrix<Rational>(sg - backprop.hidden_gradient).squaredNorm());
    // The synthetic gradient of W_i is the SG backpropagated from h_j.
    const int j = instance.architecture.sg_layer;
    Matrix<Rational> delta = sg;
    std::vector<Matrix<Rational>> hidden{instance.problem.X};
    for (int i = 1; i <= j; ++i) hidden.push_back(instance.state.W[static_cast<std::size_t>(i - 1)] * hidden.back());
    for (int i = j; i >= 1; --i) {
      RC_ASSERT(quantities.synthetic_gradient[static_cast<std::size_t>(i - 1)] == Matrix<Rational>(delta * hidden[static_cast<std::size_t>(i - 1)].transpose()));
      delta = Matrix<Rational>(instance.state.W[static_cast<std::size_t>(i - 1)].transpose() * delta);
    }
  }));
}

TEST_CASE("moment gradients match MPFR finite differences") {
  set_multiprecision_bits(256);
  for (std::int64_t index = 0; index < 10; ++index) {
    const Corollary1Instance instance = generated(index);
    const DeepLinearState<Mpfr> state = convert_state<Mpfr>(instance.state);
    const Matrix<Mpfr> moments = instance.problem.moments.unaryExpr([](const Rational& v) { return Mpfr(v); });
    const auto quantities = compute_deep_linear_quantities<Mpfr>(moments, instance.architecture, state, false);
    for (std::size_t layer = 0; layer < state.W.size(); ++layer) {
      DeepLinearState<Mpfr> up = state, down = state;
      up.W[layer](0, 0) += difference_step;
      down.W[layer](0, 0) -= difference_step;
      const Mpfr slope = (backpropagate_samples<Mpfr>(instance.problem, instance.architecture, up).loss -
                          backpropagate_samples<Mpfr>(instance.problem, instance.architecture, down).loss) / (2 * difference_step);
      const Mpfr gradient = quantities.true_gradient[layer](0, 0);
      INFO("instance " << index << ", layer " << layer + 1);
      CHECK(abs(slope - gradient) <= difference_tolerance * (1 + abs(gradient)));
    }
  }
}

TEST_CASE("C1.linear-sg-exact holds on generated instances") {
  REQUIRE(rc::check("a linear SG reproduces dL/dh_j exactly at every sample", [] {
    const proofs::Corollary1Verdict verdict = proofs::check_linear_sg_exact(generated(*rc::gen::inRange<std::int64_t>(0, 500)));
    RC_ASSERT(verdict.verdict == Verdict::confirmed);
    RC_ASSERT(verdict.evidence == Evidence::exact);
  }));
}

TEST_CASE("C1.gate-iff holds under the consistent reading") {
  REQUIRE(rc::check("under schedule-consistent the lower block moves exactly when the gate is open", [] {
    const proofs::Corollary1Verdict verdict =
        proofs::check_gate_iff(generated(*rc::gen::inRange<std::int64_t>(0, 500)), GateSchedule::consistent);
    RC_ASSERT(verdict.verdict == Verdict::confirmed);
  }));
}

TEST_CASE("C1.gate-iff fails under the literal reading") {
  REQUIRE(rc::check("with the exact SG and a nonzero lower gradient, schedule-literal keeps the open gate's lower block still", [] {
    Corollary1Instance instance = generated(*rc::gen::inRange<std::int64_t>(0, 500));
    instance.state = with_exact_sg(instance.state, instance.architecture);
    const proofs::GateFacts facts = proofs::compute_gate_facts(instance, GateSchedule::literal);
    RC_PRE(facts.lower_gradient_squared > 0);  // hypothesis of the gate being open with e = 0
    RC_ASSERT(facts.e_squared == 0);
    RC_ASSERT(facts.lower_before == facts.lower_after);
    RC_ASSERT(proofs::check_gate_facts(facts, GateSchedule::literal).verdict == Verdict::refuted);
  }));
}

TEST_CASE("linear-sg checker refutes a nonaffine target") {
  // Three samples of a scalar h with y = 0: an affine map fits G = (0, 0, 1) at h = (0, 1, 2) only if
  // it also fits the line through the first two points, which gives 0 at h = 2.
  Matrix<Rational> H(1, 3), Y = Matrix<Rational>::Zero(1, 3), G(1, 3);
  H << 0, 1, 2;
  G << 0, 0, 1;
  const Matrix<Rational> C = Matrix<Rational>::Zero(1, 1), D = Matrix<Rational>::Zero(1, 1);
  const proofs::Corollary1Verdict verdict = proofs::check_linear_sg_fit(H, Y, G, C, D);
  CHECK(verdict.verdict == Verdict::refuted);
  CHECK(verdict.margin < 0);
  G << 0, 1, 2;
  CHECK(proofs::check_linear_sg_fit(H, Y, G, Matrix<Rational>::Ones(1, 1), D).verdict == Verdict::confirmed);
}

TEST_CASE("gate checker refutes planted movement") {
  proofs::GateFacts facts;
  facts.e_squared = 0;
  facts.jacobian_squared = 1;
  facts.lower_gradient_squared = 1;  // gate open
  facts.lower_before = {Matrix<Rational>::Zero(1, 1)};
  facts.lower_after = {Matrix<Rational>::Ones(1, 1)};
  CHECK(proofs::check_gate_facts(facts, GateSchedule::consistent).verdict == Verdict::confirmed);
  facts.lower_after = facts.lower_before;  // planted: the open gate does not move the block
  CHECK(proofs::check_gate_facts(facts, GateSchedule::consistent).verdict == Verdict::refuted);
  facts.e_squared = 1;  // gate closed (9 > 1) and no movement
  CHECK(proofs::check_gate_facts(facts, GateSchedule::consistent).verdict == Verdict::confirmed);
}

TEST_CASE("convergence decision follows its tolerance") {
  DeepLinearRun run;
  run.initial_gradient_norm = 10;
  run.final_gradient_norm = 1e-6;
  CHECK(proofs::decide_convergence(run, nullptr).verdict == Verdict::confirmed);
  run.final_gradient_norm = 1e-4;
  CHECK(proofs::decide_convergence(run, nullptr).verdict == Verdict::inconclusive);
  run.diverged = true;
  CHECK(proofs::decide_convergence(run, nullptr).verdict == Verdict::refuted);
}

TEST_CASE("consistent schedule decreases gradient norm") {
  // widths 2-2-1, SG after layer 1, 20000 steps: the run stays finite, its own gate and movement
  // agree at every step, and ‖∇L‖ ends below its start value.
  DeepLinearConfig config;
  config.arithmetic = ArithmeticSpec{ArithmeticKind::double_precision, 0};
  config.architecture.widths = {2, 2, 1};
  config.architecture.sg_layer = 1;
  config.eps = Rational(1, 64);
  config.nu = Rational(1, 64);
  config.steps = 20000;
  config.record_step = [](std::int64_t) { return false; };
  const DeepLinearProblem problem = make_deep_linear_problem(2, 1, 10, 3);
  const DeepLinearRun run = run_deep_linear(problem, make_deep_linear_start(config.architecture, 3), config);
  INFO(proofs::decide_convergence(run, nullptr).detail);
  CHECK(run.gate_mismatches == 0);
  CHECK_FALSE(run.diverged);
  CHECK(run.final_gradient_norm < run.initial_gradient_norm);
}

}  // namespace
}  // namespace sgverify::testing
