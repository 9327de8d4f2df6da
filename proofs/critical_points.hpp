// Appendix B of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017): a synthetic gradient that creates critical points the original
// problem does not have.
//
// Data x_1..x_n, model f(x) = ax + b, loss L(a, b) = Σ_i |a x_i + b|, whose true gradient with
// respect to f(x_i) is s_i = sign(a x_i + b) (sign(0) = 0). The SG module outputs one trainable
// scalar c for every sample. One step of the SG system, all updates from the state at step k:
//     a ← a − μ c Σ_i x_i
//     b ← b − μ c n
//     c ← c − ν (c − mean_i s_i)        (gradient of ½ mean_i (c − s_i)²)
#pragma once

#include "claims/verdict.hpp"
#include "numeric/scalar_traits.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sgverify::proofs {

struct SgSystemState {
  Rational a, b, c;
  bool operator==(const SgSystemState&) const = default;
};

struct SgSystem {
  std::vector<Rational> x;  // the data; the paper's is {−2, −1, 1, 2}
  Rational mu, nu;
};

// The data set of the appendix: {−2, −1, 1, 2}.
std::vector<Rational> paper_data();

Rational absolute_loss(const std::vector<Rational>& x, const Rational& a, const Rational& b);
// ∂L/∂a and ∂L/∂b of L(a, b) = Σ|a x_i + b| where it is differentiable (sign(0) = 0 elsewhere).
std::pair<Rational, Rational> absolute_loss_gradient(const std::vector<Rational>& x, const Rational& a, const Rational& b);

// One exact step of the SG system.
SgSystemState sg_step(const SgSystem& system, const SgSystemState& state);

struct SgTrajectory {
  std::vector<SgSystemState> states;  // the start and every step after it
  std::int64_t fixed_at = -1;         // first step whose state equals the next one, or −1
};

// Runs the SG system exactly for at most `steps` steps, stopping early at an exact fixed point.
SgTrajectory run_sg_system(const SgSystem& system, const SgSystemState& start, std::int64_t steps);

// Claim checks on one system and start; each returns a verdict at the exact level.
ClaimResult check_sg_critical_line(const SgSystem& system, const std::vector<Rational>& slopes);
ClaimResult check_not_critical(const std::vector<Rational>& x);
ClaimResult check_stall(const SgSystem& system, const std::vector<SgSystemState>& starts, std::int64_t steps);

// B.sg-critical-set (added): the fixed points with c = 0 of the SG system on the paper's data are
// exactly the (a, b) with |b| < |a|, and (0, 0): a whole cone, not only the line b = 0. Checked
// exactly on the grid of quarters in [−3, 3]².
ClaimResult check_critical_set(const SgSystem& system);

}  // namespace sgverify::proofs
