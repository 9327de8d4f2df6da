// Rational bounds on the two spectral constants of the Theorem 1 learning-rate bound:
// b, the smallest positive eigenvalue of B = X̄ᵀX̄, and ‖B‖, its spectral norm. B and the
// Gram matrix G = X̄X̄ᵀ have the same positive eigenvalues, and G is only (d+1)×(d+1).
#pragma once

#include "numeric/scalar_traits.hpp"

#include <string>

namespace sgverify {

struct SpectralBounds {
  Rational b_lower;       // b_lower ≤ b
  Rational norm_upper;    // ‖B‖ ≤ norm_upper
  // The other sides, as exact Rayleigh quotients vᵀGv/vᵀv of rational approximate eigenvectors:
  // b ≤ b_upper (when G has full rank) and norm_lower ≤ ‖B‖, with no rounding.
  Rational b_upper;
  Rational norm_lower;
  double b_estimate = 0;  // double-precision eigenvalue estimates, for display
  double norm_estimate = 0;
  Eigen::Index rank = 0;  // exact rank of G
  // True when both bounds were proved by exact positive-definiteness tests.
  bool certified = false;
  std::string note;
};

// Computes dyadic bounds from double-precision eigenvalue estimates and, when G has full
// rank, proves them exactly: G - b_lower·I and norm_upper·I - G are positive definite.
SpectralBounds bound_spectrum(const Matrix<Rational>& gram);

}  // namespace sgverify
