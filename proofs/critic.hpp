// Appendix A of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017): a critic φ(h) ≈ L that fits the loss exactly at every sample can
// still have any gradient there, so its gradient is no synthetic gradient.
//
// Samples have representations h_i = W x_i and losses L_i(h) = ½‖h − y_i‖², so ∂L_i/∂h = h − y_i.
// The critic, for prescribed gradients g_i:
//     φ(h) = Σ_i (L_i(h_i) + g_iᵀ(h − h_i)) β_i(h)
//     β_i(h) = 1 − S(t_i(h)),  t_i(h) = clamp((‖h − h_i‖² − r²) / (3r²), 0, 1)
//     S(t) = 6t⁵ − 15t⁴ + 10t³   (S(0) = 0, S(1) = 1, S' and S'' vanish at both ends)
// β_i is twice continuously differentiable, 1 on the ball ‖h − h_i‖ ≤ r and 0 outside radius 2r.
// With r² = min_{i≠j} ‖h_i − h_j‖² / 25 the balls of radius 2r are disjoint, so φ(h_i) = L_i(h_i)
// and ∇φ(h_i) = g_i exactly. Every quantity is rational.
#pragma once

#include "claims/verdict.hpp"
#include "numeric/scalar_traits.hpp"

#include <cstdint>

namespace sgverify::proofs {

struct CriticProblem {
  Matrix<Rational> H;  // m × n, one representation h_i a column
  Matrix<Rational> Y;  // m × n targets
  Rational radius_squared;  // r²
};

// A random problem: x_i standard Gaussian in R^k, W random m × k, y_i random; seeded.
CriticProblem make_critic_problem(Eigen::Index samples, Eigen::Index input_dim, Eigen::Index representation_dim, std::uint64_t seed);

// r² = min_{i≠j} ‖h_i − h_j‖² / 25; 0 when two representations coincide.
Rational critic_radius_squared(const Matrix<Rational>& H);

// φ(h) and ∇φ(h) for prescribed gradients G (one g_i a column), exactly.
Rational critic_value(const CriticProblem& problem, const Matrix<Rational>& G, const Vector<Rational>& h);
Vector<Rational> critic_gradient(const CriticProblem& problem, const Matrix<Rational>& G, const Vector<Rational>& h);

// ∂L_i/∂h at h_i: h_i − y_i, one a column.
Matrix<Rational> loss_gradients(const CriticProblem& problem);

struct CriticReport {
  ClaimResult claim;
  double critic_loss = 0;         // Σ_i (φ(h_i) − L_i(h_i))², exact, as a double
  double worst_cosine = 0;        // cosine between ∇φ(h_i) and ∂L/∂h over samples (0 for a zero gradient)
  double training_signal = 0;     // ‖gradient of the critic loss with respect to φ's values‖
  double smoothness_error = 0;    // largest relative error of ∇φ against central differences between the balls
};

// A.zero-gradient-critic on one problem: g_i = 0.
CriticReport check_zero_gradient_critic(const CriticProblem& problem, std::uint64_t seed);

// A.arbitrary-alignment on one problem with prescribed gradients G (−∂L/∂h, or random).
CriticReport check_arbitrary_alignment(const CriticProblem& problem, const Matrix<Rational>& G, std::uint64_t seed);

}  // namespace sgverify::proofs
