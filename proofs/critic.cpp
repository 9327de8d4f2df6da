#include "proofs/critic.hpp"

#include "data/rng.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>

#include <cmath>

namespace sgverify::proofs {

namespace {

// Points sampled in each ball and in each transition shell per sample.
constexpr int points_per_sample = 4;
// Central-difference step, relative to r, and the largest relative error accepted as smooth. The
// difference quotient of a C² function errs by O(step²)·|third derivative|, and the derivatives of
// β_i scale with powers of 1/r, so a step proportional to r keeps the error independent of r.
constexpr double relative_difference_step = 1e-4;
constexpr double smoothness_tolerance = 1e-4;

Rational smoothstep(const Rational& t) { return t * t * t * (t * (6 * t - 15) + 10); }
Rational smoothstep_derivative(const Rational& t) { return 30 * t * t * (t - 1) * (t - 1); }

Rational clamp01(const Rational& t) { return t < 0 ? Rational(0) : t > 1 ? Rational(1) : t; }

Rational sample_loss(const CriticProblem& problem, Eigen::Index i, const Vector<Rational>& h) {
  return Vector<Rational>(h - problem.Y.col(i)).squaredNorm() / 2;
}

// A random point at squared distance `fraction`·r² from h_i, on the grid 2^-20 (so rational).
Vector<Rational> point_near(const CriticProblem& problem, Eigen::Index i, double fraction, Random& random) {
  const Eigen::Index m = problem.H.rows();
  Vector<double> direction(m);
  for (Eigen::Index k = 0; k < m; ++k) direction(k) = rational_to_double(random.gaussian(16));
  if (direction.norm() == 0) direction(0) = 1;
  direction *= std::sqrt(fraction * rational_to_double(problem.radius_squared)) / direction.norm();
  Vector<Rational> point = problem.H.col(i);
  for (Eigen::Index k = 0; k < m; ++k) point(k) += round_to_dyadic(Rational(direction(k)), 40);
  return point;
}

Vector<double> to_double_vector(const Vector<Rational>& v) {
  Vector<double> result(v.size());
  for (Eigen::Index i = 0; i < v.size(); ++i) result(i) = rational_to_double(v(i));
  return result;
}

// Largest relative error of the exact gradient against central differences of φ in double
// precision, at points in the transition shells r < ‖h − h_i‖ < 2r.
double smoothness_error(const CriticProblem& problem, const Matrix<Rational>& G, Random& random) {
  double worst = 0;
  for (Eigen::Index i = 0; i < problem.H.cols(); ++i) {
    for (int p = 0; p < points_per_sample; ++p) {
      const double fraction = 1.0 + 3.0 * (p + 0.5) / points_per_sample;  // r² < ‖h − h_i‖² < 4r²
      const Vector<Rational> h = point_near(problem, i, fraction, random);
      const Vector<double> exact = to_double_vector(critic_gradient(problem, G, h));
      Vector<double> differences(h.size());
      for (Eigen::Index k = 0; k < h.size(); ++k) {
        Vector<Rational> forward = h, backward = h;
        const Rational step = round_to_dyadic(Rational(relative_difference_step * std::sqrt(rational_to_double(problem.radius_squared))), 60);
        forward(k) += step;
        backward(k) -= step;
        differences(k) = rational_to_double((critic_value(problem, G, forward) - critic_value(problem, G, backward)) / (2 * step));
      }
      const double scale = std::max(1.0, exact.norm());
      worst = std::max(worst, (exact - differences).norm() / scale);
    }
  }
  return worst;
}

}  // namespace

Rational critic_radius_squared(const Matrix<Rational>& H) {
  Rational smallest(-1);
  for (Eigen::Index i = 0; i < H.cols(); ++i)
    for (Eigen::Index j = i + 1; j < H.cols(); ++j) {
      const Rational distance = Vector<Rational>(H.col(i) - H.col(j)).squaredNorm();
      if (smallest < 0 || distance < smallest) smallest = distance;
    }
  return smallest < 0 ? Rational(1) : smallest / 25;
}

CriticProblem make_critic_problem(Eigen::Index samples, Eigen::Index input_dim, Eigen::Index representation_dim, std::uint64_t seed) {
  Random random(seed);
  Matrix<Rational> W(representation_dim, input_dim), X(input_dim, samples);
  for (Eigen::Index i = 0; i < W.size(); ++i) W(i) = random.gaussian(8);
  for (Eigen::Index i = 0; i < X.size(); ++i) X(i) = random.gaussian(8);
  CriticProblem problem;
  problem.H = W * X;
  problem.Y.resize(representation_dim, samples);
  for (Eigen::Index i = 0; i < problem.Y.size(); ++i) problem.Y(i) = random.gaussian(8);
  problem.radius_squared = critic_radius_squared(problem.H);
  return problem;
}

Matrix<Rational> loss_gradients(const CriticProblem& problem) { return problem.H - problem.Y; }

Rational critic_value(const CriticProblem& problem, const Matrix<Rational>& G, const Vector<Rational>& h) {
  Rational value(0);
  const Rational& r2 = problem.radius_squared;
  for (Eigen::Index i = 0; i < problem.H.cols(); ++i) {
    const Vector<Rational> offset = h - problem.H.col(i);
    const Rational t = clamp01((offset.squaredNorm() - r2) / (3 * r2));
    const Rational weight = 1 - smoothstep(t);
    if (weight == 0) continue;
    value += (sample_loss(problem, i, problem.H.col(i)) + G.col(i).dot(offset)) * weight;
  }
  return value;
}

Vector<Rational> critic_gradient(const CriticProblem& problem, const Matrix<Rational>& G, const Vector<Rational>& h) {
  Vector<Rational> gradient = Vector<Rational>::Zero(h.size());
  const Rational& r2 = problem.radius_squared;
  for (Eigen::Index i = 0; i < problem.H.cols(); ++i) {
    const Vector<Rational> offset = h - problem.H.col(i);
    const Rational raw = (offset.squaredNorm() - r2) / (3 * r2);
    const Rational t = clamp01(raw);
    const Rational weight = 1 - smoothstep(t);
    // ∇β_i = −S'(t)·2(h − h_i)/(3r²) inside the shell, 0 elsewhere (S' vanishes at 0 and 1).
    const bool in_shell = raw > 0 && raw < 1;
    const Rational linear = sample_loss(problem, i, problem.H.col(i)) + G.col(i).dot(offset);
    if (weight != 0) gradient += weight * G.col(i);
    if (in_shell) gradient -= linear * smoothstep_derivative(t) * 2 / (3 * r2) * offset;
  }
  return gradient;
}

namespace {

CriticReport check_critic(const std::string& id, const std::string& statement, const CriticProblem& problem, const Matrix<Rational>& G,
                          bool zero_gradient, std::uint64_t seed) {
  CriticReport report;
  ClaimResult& claim = report.claim;
  claim.id = id;
  claim.statement = statement;
  claim.evidence = Evidence::exact;
  claim.instances = 1;
  Random random(seed);
  const Matrix<Rational> true_gradients = loss_gradients(problem);
  Rational critic_loss(0);
  std::vector<std::string> failures;
  double worst_cosine = 1;
  for (Eigen::Index i = 0; i < problem.H.cols(); ++i) {
    const Vector<Rational> h = problem.H.col(i);
    const Rational residual = critic_value(problem, G, h) - sample_loss(problem, i, h);
    critic_loss += residual * residual;
    const Vector<Rational> gradient = critic_gradient(problem, G, h);
    if (gradient != Vector<Rational>(G.col(i))) failures.push_back(fmt::format("gradient at sample {} is not the prescribed one", i + 1));
    if (Vector<Rational>(true_gradients.col(i)).isZero()) failures.push_back(fmt::format("dL/dh = 0 at sample {}", i + 1));
    const double norms = std::sqrt(rational_to_double(gradient.squaredNorm()) * rational_to_double(true_gradients.col(i).squaredNorm()));
    const double cosine = norms > 0 ? rational_to_double(gradient.dot(true_gradients.col(i))) / norms : 0;
    worst_cosine = std::min(worst_cosine, cosine);
    if (zero_gradient) {
      // φ is constant on the ball: exact at sampled rational points with ‖h − h_i‖² ≤ r².
      for (int p = 0; p < points_per_sample; ++p) {
        const Vector<Rational> inside = point_near(problem, i, 0.9 * (p + 1) / points_per_sample, random);
        if (Vector<Rational>(inside - h).squaredNorm() > problem.radius_squared) continue;
        if (critic_value(problem, G, inside) != sample_loss(problem, i, h)) failures.push_back(fmt::format("phi varies in ball {}", i + 1));
      }
    }
  }
  if (critic_loss != 0) failures.push_back("critic loss " + rational_to_string(critic_loss) + " is not 0");
  report.critic_loss = rational_to_double(critic_loss);
  report.worst_cosine = worst_cosine;
  report.training_signal = 2 * std::sqrt(report.critic_loss);  // ‖∂/∂φ Σ(φ(h_i) − L_i)²‖ = 2‖residuals‖
  report.smoothness_error = smoothness_error(problem, G, random);
  if (report.smoothness_error > smoothness_tolerance) {
    failures.push_back(fmt::format("gradient differs from central differences by {:.3g} between the balls", report.smoothness_error));
  }
  claim.verdict = failures.empty() ? Verdict::confirmed : Verdict::refuted;
  claim.worst_value = worst_cosine;
  claim.detail = failures.empty()
                     ? fmt::format("exact: critic loss 0 at all {} samples, gradient at each sample equal to the prescribed one "
                                   "(worst cosine with dL/dh {:.6g}), dL/dh != 0; r^2 = {:.6g}; training signal 0; numerical "
                                   "smoothness check between the balls: largest relative error {:.2g}",
                                   problem.H.cols(), worst_cosine, rational_to_double(problem.radius_squared), report.smoothness_error)
                     : failures.front();
  return report;
}

}  // namespace

CriticReport check_zero_gradient_critic(const CriticProblem& problem, std::uint64_t seed) {
  const Matrix<Rational> zero = Matrix<Rational>::Zero(problem.H.rows(), problem.H.cols());
  return check_critic("A.zero-gradient-critic",
                      "A critic with zero critic loss, constant on a ball around each h(x_i), has zero gradient at every sample "
                      "while dL/dh != 0",
                      problem, zero, true, seed);
}

CriticReport check_arbitrary_alignment(const CriticProblem& problem, const Matrix<Rational>& G, std::uint64_t seed) {
  return check_critic("A.arbitrary-alignment",
                      "A critic with zero critic loss can have any prescribed gradient at each sample, e.g. -dL/dh (cosine -1)",
                      problem, G, false, seed);
}

}  // namespace sgverify::proofs
