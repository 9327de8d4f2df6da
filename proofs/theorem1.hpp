// The proof of Theorem 1 of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled
// Neural Interfaces" (ICML 2017), as a chain of named steps. Each step checks one equation or
// inequality of the proof on one instance (data, state, μ, ν) and returns a verdict record.
//
// Algebraic steps are decided in exact rationals. Steps with square roots or eigenvalues use
// MPFI enclosures of exact quantities and the proved bounds b ∈ [b_lower, b_upper],
// ‖B‖ ∈ [norm_lower, norm_upper]; an enclosure that straddles the threshold gives inconclusive.
#pragma once

#include "claims/verdict.hpp"
#include "models/theorem1.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sgverify::proofs {

// One instance of the audit: data, the state (W_k, ω_k) and the step-size schedules.
struct AuditInstance {
  Dataset data;
  RowVector<Rational> W;
  Vector<Rational> omega;
  MuSchedule mu;
  NuSchedule nu;
  std::string origin;  // how the state was reached, for the report
};

// Every quantity of one step of the proof, in exact rationals. Notation of the proof: X̄ is
// (d+1)×S, B = X̄ᵀX̄, p = WX̄, e = (y − p)ᵀ, A = [pᵀ | −yᵀ | 1ᵀ], ξ = Aω, P projects onto the
// range of B and f = Pe. The `_next` values are those of the library's step from (W_k, ω_k).
struct ExactStep {
  Matrix<Rational> X_bar, B, P, A, A_next;
  RowVector<Rational> y, p, p_next, W, W_next;
  Vector<Rational> omega, omega_next, e, e_next, f, f_next, xi, xi_next_true, xi_next_proof, At_xi, AAt_xi;
  Rational nu, q, mu;
  bool xi_is_zero = false;
  std::string failure;  // set when the step sizes cannot be evaluated
  SpectralBounds spectrum;
  bool full_rank = false;
};

ExactStep compute_step(const AuditInstance& instance);

// The verdict of one step on one instance. `margin` is threshold minus value, relative to the
// threshold for inequalities: negative means the step's inequality or equation fails.
struct StepVerdict {
  Verdict verdict = Verdict::inconclusive;
  Evidence evidence = Evidence::exact;
  double margin = 0;
  std::string detail;
  bool applicable = true;  // false when the instance does not meet the step's hypotheses
};

// One link of the chain: its claim id, statement and checker. `adjust` turns an audit instance
// into the one the step's hypotheses name (ω = 0, or a bound schedule with the line search).
struct ProofStep {
  std::string id;
  std::string statement;
  Evidence target;  // the level the step aims for
  std::function<StepVerdict(const ExactStep&)> check;
  std::function<AuditInstance(const AuditInstance&)> adjust = nullptr;
  // Steps with equal keys adjust an instance the same way, so they can share one ExactStep.
  std::string adjust_key = {};
};

// Runs one step on one instance: adjust, compute exactly, check.
StepVerdict check_step(const ProofStep& step, const AuditInstance& instance);

// Every step of the proof, in the order of the proof.
const std::vector<ProofStep>& theorem1_steps();

// The ids of every step, comma-separated, for messages.
std::string theorem1_step_ids();

// The step with this id; throws InputError listing the known ids when there is none.
const ProofStep& find_theorem1_step(const std::string& id);

}  // namespace sgverify::proofs
