// The claims of Corollary 1 of Czarnecki et al., "Understanding Synthetic Gradients and
// Decoupled Neural Interfaces" (ICML 2017): a deep linear network with MSE loss trained through
// a linear SG after hidden layer j. Each claim is a named check on one instance that returns a
// verdict record; the audit runs them over generated instances.
//
//   C1.linear-sg-exact: ∂L/∂h_j is affine in (h_j, y), so a linear SG equals it at every sample.
//   C1.gate-iff-consistent / C1.gate-iff-literal: the claim C1.gate-iff under each reading of the
//     printed schedule: θ_{<h} moves exactly when ‖e‖·K < ⅓‖∂L/∂θ_{<h}‖.
//   C1.convergence: under the consistent schedule ‖∇_θ L‖ → 0 over all layers.
#pragma once

#include "claims/verdict.hpp"
#include "models/deep_linear.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sgverify::proofs {

inline const char* const linear_sg_exact_id = "C1.linear-sg-exact";
inline const char* const gate_iff_consistent_id = "C1.gate-iff-consistent";
inline const char* const gate_iff_literal_id = "C1.gate-iff-literal";
inline const char* const convergence_id = "C1.convergence";

// One instance: data, architecture, a state and the rates.
struct Corollary1Instance {
  DeepLinearProblem problem;
  DeepLinearArchitecture architecture;
  DeepLinearState<Rational> state;
  Rational eps, nu;
  std::string origin;  // how the state was made, for the report
};

// Verdict of one check on one instance; margin < 0 means the claim fails there.
struct Corollary1Verdict {
  Verdict verdict = Verdict::inconclusive;
  Evidence evidence = Evidence::exact;
  double margin = 0;
  std::string detail;
};

// C1.linear-sg-exact from per-sample values: the least-squares fit of G ≈ C H + D Y + c1ᵀ,
// solved exactly from the normal equations, must leave a zero residual, and so must the closed
// form C = P_jᵀP_j, D = −P_jᵀ, c = 0. H, Y and G are d_j × S, d_{n+1} × S and d_j × S.
Corollary1Verdict check_linear_sg_fit(const Matrix<Rational>& H, const Matrix<Rational>& Y, const Matrix<Rational>& G,
                                      const Matrix<Rational>& closed_form_C, const Matrix<Rational>& closed_form_D);

// Called between the steps of a long exact check with the number of steps done, so that a caller
// can report progress or stop the check by throwing.
using CheckProgress = std::function<void(int steps_done)>;

// The same on an instance: H and G = ∂L/∂h_j come from exact per-sample backpropagation.
// Calls `progress` after the backpropagation (step 1).
Corollary1Verdict check_linear_sg_exact(const Corollary1Instance& instance, const CheckProgress& progress = {});

// The exact facts of one step that C1.gate-iff compares: the gate inequality with the
// Frobenius norm K = ‖∂h_j/∂θ_{<h}‖_F, and whether W_1..W_j changed in the library's exact step.
struct GateFacts {
  Rational e_squared, jacobian_squared, lower_gradient_squared;
  std::vector<Matrix<Rational>> lower_before, lower_after;
};

// Calls `progress` after the step's quantities (step 1) and after the gate decision (step 2).
GateFacts compute_gate_facts(const Corollary1Instance& instance, GateSchedule schedule, const CheckProgress& progress = {});

// Confirmed when (9‖e‖²K² < ‖g‖²) equals (some entry of W_1..W_j changed), decided exactly.
Corollary1Verdict check_gate_facts(const GateFacts& facts, GateSchedule schedule);

Corollary1Verdict check_gate_iff(const Corollary1Instance& instance, GateSchedule schedule, const CheckProgress& progress = {});

// Estimates the exact multiplications that building the data moments and checking one C1 claim
// take, up to a small factor, for N weight matrices, the largest width w, m = d_0 + d_N + 1 and
// k = d_j + d_N + 1:
//     N·w²·(m + S) + m²·S + k³
// (the products along the layers and the per-sample backpropagation, the moments, and the
// normal equations of the fit). Bit lengths grow along the layers, so the time per unit varies.
double exact_check_work(const DeepLinearArchitecture& architecture, std::int64_t samples);

// The largest exact_check_work that `sgverify corollary1` runs and a trace replay accepts. With
// entries on the grid 2^-16, widths 512-1-512 (about 7·10^8) took 98 s to replay on a 2-core AMD
// EPYC machine, and widths 1024-1-1024 (about 5·10^9) more than 5 minutes.
// The estimate counts operations, not digits: an edited trace with 10^5-digit entries at widths
// 16-16-16 stays far below the limit, yet its replay runs for minutes. A replay keeps a watchdog
// that ends it at --time-limit within one step.
inline constexpr double max_exact_check_work = 1e9;

// Tolerance of the finite-horizon decision of C1.convergence: the final ‖∇_θ L‖ must be at
// most this times max(1, ‖∇_θ L‖ at step 0).
inline const Rational convergence_relative_tolerance(1, 1'000'000);

// C1.convergence from one run of the consistent schedule: confirmed within the tolerance,
// refuted (numerical) when the run diverged, inconclusive otherwise.
ClaimResult decide_convergence(const DeepLinearRun& run, const DeepLinearRun* baseline);

// Generated instances: depth 1..3, widths 1..3, S 1..6, and states of five kinds (the paper's
// start, the exact SG, the exact SG with one entry moved, a random SG, and the state after 20
// double-precision steps of the consistent schedule), all in rationals.
Corollary1Instance generate_corollary1_instance(std::uint64_t seed, std::int64_t index);

// A smaller instance on which the check still fails: fewer samples, layers and widths, tried
// greedily with the same seed and state kind.
Corollary1Instance shrink_corollary1_instance(const Corollary1Instance& instance,
                                              const std::function<bool(const Corollary1Instance&)>& fails);

struct Corollary1Audit {
  ClaimResult result;
  std::optional<Corollary1Instance> counterexample;
};

struct Corollary1AuditOptions {
  std::int64_t instances = 200;
  std::uint64_t seed = 1;
  std::string claim;  // empty: every claim
  std::int64_t convergence_steps = 20000;
  unsigned mpfr_bits = 128;
};

std::vector<Corollary1Audit> audit_corollary1(const Corollary1AuditOptions& options);

// The claim ids, in report order; throws InputError listing them for an unknown id.
const std::vector<std::string>& corollary1_claim_ids();
void check_corollary1_claim_id(const std::string& id);

}  // namespace sgverify::proofs
