#include "numeric/spectral.hpp"

#include "numeric/rational.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/LU>

#include <cmath>

namespace sgverify {

namespace {

// Relative margin between an eigenvalue estimate and the bound tried first. Double-precision
// eigenvalues of a symmetric matrix are accurate to about 1e-16·‖G‖, so 2^-20 usually suffices.
constexpr double first_margin = 0x1p-20;
// Attempts before the bound is declared unprovable. Each attempt doubles the margin.
constexpr int max_attempts = 60;

// The double, as an exact rational with at most 30 significant bits, rounded down or up.
Rational dyadic_toward(double value, bool upward) {
  int exponent = 0;
  const double mantissa = std::frexp(value, &exponent);  // value = mantissa · 2^exponent
  const double scaled = std::ldexp(mantissa, 30);
  const double rounded = upward ? std::ceil(scaled) : std::floor(scaled);
  Rational result(static_cast<long long>(rounded));
  const int shift = exponent - 30;
  const boost::multiprecision::mpz_int power = boost::multiprecision::mpz_int(1) << std::abs(shift);
  return shift >= 0 ? Rational(result * power) : Rational(result / power);
}

}  // namespace

SpectralBounds bound_spectrum(const Matrix<Rational>& gram) {
  SpectralBounds bounds;
  const Eigen::Index n = gram.rows();
  Matrix<double> gram_double(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) gram_double(i, j) = rational_to_double(gram(i, j));
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> solver(gram_double, Eigen::EigenvaluesOnly);
  const Vector<double> eigenvalues = solver.eigenvalues();  // ascending
  bounds.norm_estimate = eigenvalues(n - 1);
  bounds.rank = Eigen::FullPivLU<Matrix<Rational>>(gram).rank();
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> vectors(gram_double);
  const auto rayleigh_quotient = [&](Eigen::Index column) {
    Vector<Rational> v(n);
    for (Eigen::Index i = 0; i < n; ++i) v(i) = Rational(vectors.eigenvectors()(i, column));  // exact copy of each double
    return Rational(v.dot(gram * v) / v.squaredNorm());
  };
  bounds.norm_lower = rayleigh_quotient(n - 1);
  bounds.b_upper = rayleigh_quotient(0);

  const Matrix<Rational> identity = Matrix<Rational>::Identity(n, n);
  bool norm_proved = false;
  double margin = first_margin;
  for (int attempt = 0; attempt < max_attempts && !norm_proved; ++attempt, margin *= 2) {
    bounds.norm_upper = dyadic_toward(bounds.norm_estimate * (1 + margin) + margin, true);
    norm_proved = is_positive_definite(bounds.norm_upper * identity - gram);
  }

  if (bounds.rank < n) {
    // NOTE: for a rank-deficient G, b is the smallest positive eigenvalue. It is estimated in
    // double precision and not proved; the run reports the bound as uncertified.
    const Eigen::Index first_positive = n - bounds.rank;
    bounds.b_estimate = eigenvalues(first_positive);
    bounds.b_lower = dyadic_toward(bounds.b_estimate * (1 - first_margin), false);
    bounds.certified = false;
    bounds.note = "G has rank " + std::to_string(bounds.rank) + " < " + std::to_string(n) +
                  ": b is a double-precision estimate, not proved";
    return bounds;
  }

  bounds.b_estimate = eigenvalues(0);
  bool b_proved = false;
  margin = first_margin;
  for (int attempt = 0; attempt < max_attempts && !b_proved; ++attempt, margin *= 2) {
    const double candidate = bounds.b_estimate * (1 - margin);
    if (candidate <= 0) break;
    bounds.b_lower = dyadic_toward(candidate, false);
    b_proved = is_positive_definite(gram - bounds.b_lower * identity);
  }
  if (!b_proved) {
    // Full rank, so b > 0; a tiny positive bound that is proved keeps the schedule valid.
    bounds.b_lower = Rational(0);
    bounds.note = "no positive lower bound on b could be proved from the estimate " + std::to_string(bounds.b_estimate);
  }
  bounds.certified = norm_proved && b_proved;
  if (!norm_proved) bounds.note = "the upper bound on ||B|| could not be proved";
  return bounds;
}

}  // namespace sgverify
