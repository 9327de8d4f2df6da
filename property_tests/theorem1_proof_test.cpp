// Planted-instance tests of every checker of the Theorem 1 proof audit: a state that satisfies
// the step gives confirmed, and the same state with one value perturbed gives refuted, so no
// checker can pass vacuously.
#include "proofs/theorem1_audit.hpp"

#include <catch2/catch.hpp>

#include <map>

namespace sgverify::testing {
namespace {

using proofs::ExactStep;
using proofs::ProofStep;

// A tiny offset: far below every value of the instances, and exactly representable.
const Rational tiny(1, boost::multiprecision::mpz_int(1) << 40);

const ProofStep& step_named(const std::string& id) { return proofs::find_theorem1_step(id); }

// The first generated instance (seed 1) on which every step's hypotheses hold.
proofs::AuditInstance applicable_instance() {
  set_multiprecision_bits(256);
  for (std::int64_t index = 0;; ++index) {
    const proofs::AuditInstance instance = proofs::generate_audit_instance(1, index);
    bool all = true;
    for (const ProofStep& step : proofs::theorem1_steps()) all = all && proofs::check_step(step, instance).applicable;
    if (all) return instance;
  }
}

ExactStep exact_step_for(const ProofStep& step, const proofs::AuditInstance& instance) {
  return proofs::compute_step(step.adjust ? step.adjust(instance) : instance);
}

// One perturbation per step, each of a single quantity.
const std::map<std::string, std::function<void(ExactStep&)>>& perturbations() {
  static const std::map<std::string, std::function<void(ExactStep&)>> table{
      {"T1.sg-gradient", [](ExactStep& s) { s.At_xi(0) += tiny; }},
      {"T1.matrix-form", [](ExactStep& s) { s.W_next(0) += tiny; }},
      {"T1.invariant-subspace", [](ExactStep& s) { s.omega_next(2) += tiny; }},
      {"T1.p-update", [](ExactStep& s) { s.p_next(0) += tiny; }},
      {"T1.e-update", [](ExactStep& s) { s.e_next(0) += tiny; }},
      {"T1.xi-recursion", [](ExactStep& s) { s.xi_next_true(0) += tiny; }},
      {"T1.xi-recursion-frozen-A", [](ExactStep& s) { s.xi_next_proof(0) += tiny; }},
      {"T1.residue-invariant", [](ExactStep& s) { s.e_next(0) += tiny; }},
      {"T1.xi-norm-identity", [](ExactStep& s) { s.xi_next_proof(0) += tiny; }},
      {"T1.line-search-minimum", [](ExactStep& s) { s.AAt_xi(0) += tiny; }},
      {"T1.nonzero-chain", [](ExactStep& s) { s.A.setZero(); }},
      {"T1.f-contraction", [](ExactStep& s) { s.B.setZero(); }},
      {"T1.f-step-bound", [](ExactStep& s) { s.f_next *= 4; }},
      {"T1.combined-decrease", [](ExactStep& s) { s.f_next = 2 * s.f; }},
      {"T1.combined-decrease-true-xi", [](ExactStep& s) { s.f_next = 2 * s.f; }},
      {"T1.combined-decrease-literal", [](ExactStep& s) { s.f_next = 2 * s.f; }},
      {"T1.combined-decrease-literal-true-xi", [](ExactStep& s) { s.f_next = 2 * s.f; }},
  };
  return table;
}

TEST_CASE("every checker confirms planted state and refutes perturbed one") {
  const proofs::AuditInstance instance = applicable_instance();
  for (const ProofStep& step : proofs::theorem1_steps()) {
    if (step.id == "T1.sqrt-bound") continue;  // no failing instance exists; tested below
    INFO("step " << step.id);
    ExactStep planted = exact_step_for(step, instance);
    // T1.xi-recursion is false in general, so its planted state makes the claim hold.
    if (step.id == "T1.xi-recursion") planted.xi_next_true = planted.xi_next_proof;
    const proofs::StepVerdict confirmed = step.check(planted);
    CHECK(confirmed.applicable);
    CHECK(confirmed.verdict == Verdict::confirmed);

    REQUIRE(perturbations().count(step.id) == 1);
    ExactStep perturbed = planted;
    perturbations().at(step.id)(perturbed);
    const proofs::StepVerdict refuted = step.check(perturbed);
    INFO("perturbed: " << refuted.detail);
    CHECK(refuted.verdict == Verdict::refuted);
    CHECK(refuted.margin < 0);
  }
}

TEST_CASE("sqrt-bound checker evaluates the inequality at h = q") {
  // √(1 − h) ≤ 1 − h/2 has no counterexample in [0, 1]; the checker's margin must be exactly
  // (1 − h/2)² − (1 − h) = h²/4, and h outside [0, 1] must leave the hypothesis unmet.
  const proofs::AuditInstance instance = applicable_instance();
  const ProofStep& step = step_named("T1.sqrt-bound");
  ExactStep exact = exact_step_for(step, instance);
  const proofs::StepVerdict verdict = step.check(exact);
  CHECK(verdict.verdict == Verdict::confirmed);
  const Rational h = exact.At_xi.squaredNorm() * exact.At_xi.squaredNorm() / (exact.AAt_xi.squaredNorm() * exact.xi.squaredNorm());
  CHECK(verdict.margin == Approx(rational_to_double(h * h / 4)).epsilon(1e-12));
  exact.At_xi *= 1000;  // q grows by 10^12, far beyond 1
  CHECK_FALSE(step.check(exact).applicable);
}

TEST_CASE("xi-recursion fails exactly on the shrunk counterexample") {
  // The proof's ξ_{k+1} = ξ_k − νA_kA_kᵀξ_k uses A_k, but ξ_{k+1} = A_{k+1}ω_{k+1} uses p_{k+1}.
  // With d = 1, S = 1, x = 0, y = 1, W = 0, ω = (1, 0, 0), μ = ν = 1/2: p_0 = 0 and ξ_0 = 0,
  // ω does not move, but p_1 = μ·y = 1/2, so A_1ω_1 = 1/2 ≠ 0.
  proofs::AuditInstance instance;
  instance.data.X = Matrix<Rational>::Zero(1, 1);
  instance.data.y = RowVector<Rational>::Ones(1);
  instance.data.feature_names = {"x1"};
  instance.W = RowVector<Rational>::Zero(2);
  instance.omega = Vector<Rational>::Zero(3);
  instance.omega(0) = 1;
  instance.mu = MuSchedule{MuSchedule::Kind::fixed, Rational(1, 2)};
  instance.nu = NuSchedule{false, Rational(1, 2)};
  const proofs::StepVerdict verdict = proofs::check_step(step_named("T1.xi-recursion"), instance);
  CHECK(verdict.verdict == Verdict::refuted);
  CHECK(verdict.evidence == Evidence::exact);
  CHECK(proofs::check_step(step_named("T1.xi-recursion-frozen-A"), instance).verdict == Verdict::confirmed);
}

TEST_CASE("shrinking keeps the failure and reduces size") {
  const ProofStep& step = step_named("T1.xi-recursion");
  for (std::int64_t index = 0; index < 50; ++index) {
    const proofs::AuditInstance instance = proofs::generate_audit_instance(3, index);
    if (proofs::check_step(step, instance).verdict != Verdict::refuted) continue;
    std::string summary;
    const proofs::AuditInstance shrunk = proofs::shrink_counterexample(step, instance, summary);
    INFO(summary);
    CHECK(proofs::check_step(step, shrunk).verdict == Verdict::refuted);
    CHECK(shrunk.data.samples() <= instance.data.samples());
    CHECK(shrunk.data.dim() <= instance.data.dim());
    CHECK(shrunk.data.samples() == 1);
    return;
  }
  FAIL("no refuted instance among the first 50");
}

TEST_CASE("audit of 20 instances gives the known verdicts") {
  proofs::AuditOptions options;
  options.instances = 20;
  options.convergence_steps = 2000;
  const std::vector<proofs::ClaimAudit> audits = proofs::audit_theorem1(options, nullptr);
  std::map<std::string, Verdict> verdicts;
  for (const proofs::ClaimAudit& audit : audits) verdicts[audit.result.id] = audit.result.verdict;
  CHECK(verdicts.at("T1.e-update") == Verdict::confirmed);
  CHECK(verdicts.at("T1.xi-recursion") == Verdict::refuted);
  CHECK(verdicts.at("T1.xi-recursion-frozen-A") == Verdict::confirmed);
  CHECK(verdicts.at("T1.global-attraction") == Verdict::refuted);
  CHECK(audits.size() == proofs::theorem1_steps().size() + 2);
}

}  // namespace
}  // namespace sgverify::testing
