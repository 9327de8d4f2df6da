// Proposition 2 of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017, arXiv:1703.00522), supplementary material: if the synthetic gradient
// has error ‖SG − ∂L/∂h‖ ≤ ε, the Jacobian ‖∂h/∂θ_{<h}‖ ≤ K and Kε ≤ ‖∂L/∂θ_{<h}‖(1 − δ)/(1 + δ)
// for some δ ∈ (0, 1) in every iteration, then the followed direction keeps a cosine of at
// least δ with the true gradient, and training converges.
//
// Notation: g is the true gradient of the lower block, e the error of the followed direction
// d = g + e, ρ(δ) = (1 − δ)/(1 + δ) the admissible relative error. Cosines are compared through
// squares to stay rational: cos(g, d) ≥ δ iff g·d > 0 and (g·d)² ≥ δ²‖g‖²‖d‖².
#pragma once

#include "claims/verdict.hpp"
#include "data/rng.hpp"
#include "models/theorem1.hpp"
#include "proofs/theorem2.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sgverify::proofs {

// ρ(δ) = (1 − δ)/(1 + δ).
Rational relative_error_bound(const Rational& delta);

// P2.cosine-bound on one state. Hypotheses: g ≠ 0, 0 < δ < 1, ‖e‖² ≤ ρ²‖g‖². Conclusion:
// cos(g, g + e) ≥ δ. `rho` is the bound the state was built with; the claim uses ρ(δ), and a
// larger ρ is how a test plants a failure.
struct CosineState {
  Vector<Rational> g, e;
  Rational delta, rho;
};
CheckVerdict check_cosine_bound(const CosineState& state);

// P2.noise-bound on one state: the lower-block gradient error is the row vector e·J, with e the
// error of the SG at h and J = ∂h/∂θ_{<h}. Hypotheses: ‖e‖² ≤ ε² and K² ≥ ‖J‖² (spectral norm,
// decided exactly: K² ≥ ‖J‖_F², or K²I − JJᵀ positive semidefinite). Conclusion: `lower_error`
// equals e·J and ‖e·J‖² ≤ ε²K².
struct NoiseState {
  RowVector<Rational> e;
  Matrix<Rational> J;
  RowVector<Rational> lower_error;
  Rational epsilon_squared, K_squared;
};
CheckVerdict check_noise_bound(const NoiseState& state);

// The Jacobian of h = W x with respect to the entries of W (row-major), an m×(m·d) matrix:
// ∂hᵢ/∂W_{kl} = [i = k]·x_l. Its spectral norm is ‖x‖.
Matrix<Rational> linear_layer_jacobian(const Vector<Rational>& x, Eigen::Index outputs);

// A convex quadratic L(x) = ½xᵀHx − bᵀx with H positive semidefinite; ∇L(x) = Hx − b.
struct QuadraticProblem {
  Matrix<Rational> H;
  Vector<Rational> b;
  std::string source;
};

// H = MᵀM + λI with small rational entries and λ ∈ {1/10, 1/2, 1}.
QuadraticProblem random_quadratic(Random& random, Eigen::Index dim);
// The least-squares loss of Theorem 1's linear regression in W: H = X̄X̄ᵀ, b = X̄yᵀ.
QuadraticProblem regression_quadratic(const Theorem1Problem& problem);

// Direction of the error e at each step. `minimum_cosine` takes ‖e‖ = ρ‖g‖ in the direction
// that minimises cos(g, g + e), e = ρ‖g‖(−ρĝ + √(1 − ρ²)u) with u ⊥ g a unit vector that turns
// from step to step (cosine √(1 − ρ²)); `opposite` takes e = −ρg, for planted failures.
enum class ErrorDirection { minimum_cosine, opposite };

// An upper bound of ‖H‖ for H positive semidefinite: the exactly proved bound of
// bound_spectrum when it is certified and smaller, else trace(H).
Rational curvature_bound(const Matrix<Rational>& H);

// Gradient descent x_{k+1} = x_k − η(g_k + e_k) from x = 0 with errors ‖e_k‖ = ρ‖g_k‖, and
// η = (1 − ρ(δ))/(L(1 + ρ(δ))²) with L = curvature_bound(H) ≥ ‖H‖. For ρ ≤ ρ(δ) the loss then
// decreases at every step, because g·d ≥ (1 − ρ)‖g‖² and ‖d‖ ≤ (1 + ρ)‖g‖.
// Runs in MPFR at the current default precision.
struct DescentRun {
  Rational delta, rho;
  ErrorDirection direction = ErrorDirection::minimum_cosine;
  std::int64_t iterations = 0;      // steps until ‖g‖ ≤ tolerance·‖g₀‖, or the cap
  bool converged = false;
  bool diverged = false;            // ‖g‖ grew beyond divergence_factor·‖g₀‖
  double worst_cosine = 1;          // min over steps of cos(g, d)
  double largest_relative_error = 0;  // max over steps of ‖e‖/‖g‖
  // ‖g_k‖/‖g₀‖ at every step below 1000 and every 100th after, for the plots.
  std::vector<double> gradient_steps, gradient_norms;
};

inline constexpr double descent_tolerance = 1e-8;    // on ‖g_k‖/‖g_0‖
inline constexpr double divergence_factor = 1e6;     // ‖g_k‖/‖g_0‖ beyond which a run counts as diverged
inline constexpr std::int64_t descent_cap = 2'000'000;

DescentRun run_perturbed_descent(const QuadraticProblem& problem, const Rational& delta, const Rational& rho, ErrorDirection direction,
                                 std::int64_t cap = descent_cap);

// P2.convergence on one run (numerical). Applicable when every relative error was at most
// ρ(δ) (up to the MPFR rounding of the error's construction). Confirmed when the run converged
// with every cosine at least δ; refuted when it diverged or a cosine fell below δ.
CheckVerdict check_convergence(const DescentRun& run);

// One row of the table of P2.convergence: per δ and problem family.
struct DescentRow {
  Rational delta;
  std::string family;
  std::int64_t runs = 0;
  double worst_cosine = 1;
  std::int64_t max_iterations = 0;
  double mean_iterations = 0;
};

struct Proposition2Outcome {
  std::vector<ClaimResult> claims;
  std::vector<DescentRow> rows;
  // ‖g_k‖/‖g₀‖ of one run per δ.
  struct Curve {
    std::string title;
    std::vector<double> steps, norms;
  };
  std::vector<Curve> curves;
};

// The deltas of the P2.convergence table.
std::vector<Rational> proposition2_deltas();

Proposition2Outcome run_proposition2_claims(std::uint64_t seed, std::int64_t instances);

}  // namespace sgverify::proofs
