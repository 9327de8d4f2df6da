// Definitions of the templated Theorem 1 iteration. Included only by the source files that
// instantiate it for one scalar each, so that no other file pays for compiling it.
#pragma once

#include "models/theorem1.hpp"

#include <Eigen/QR>

#include <chrono>
#include <type_traits>

namespace sgverify {

// The data of one problem converted to scalar T: the moments, and the samples themselves for
// the per-sample path.
template <class T>
struct Theorem1Moments {
  Matrix<T> gram;
  Vector<T> x_times_y, x_times_one;
  T y_dot_y, y_dot_one, samples;
  Matrix<T> augmented;  // X̄, filled for the per-sample path only
  RowVector<T> y;

  Theorem1Moments(const Theorem1Problem& problem, Theorem1Path path) {
    using Traits = ScalarTraits<T>;
    const auto convert = [](const Rational& value) { return Traits::from_rational(value); };
    gram = problem.gram.unaryExpr(convert);
    x_times_y = problem.x_times_y.unaryExpr(convert);
    x_times_one = problem.x_times_one.unaryExpr(convert);
    y_dot_y = convert(problem.y_dot_y);
    y_dot_one = convert(problem.y_dot_one);
    samples = convert(Rational(problem.data.samples()));
    if (path == Theorem1Path::samples) {
      augmented = problem.data.augmented().unaryExpr(convert);
      y = problem.data.y.unaryExpr(convert);
    }
  }
};

// Everything one step needs at state (W, ω).
template <class T>
struct Theorem1Quantities {
  Vector<T> gradient;       // Aᵀξ = AᵀAω = ∂E/∂ω
  RowVector<T> sg_times_data;  // ĝX̄ᵀ
  T xi_squared;             // ‖ξ‖²
  T loss;                   // ½‖y − p‖²
  // The same norms at the rescaled direction cω (c a power of two for double and long double,
  // else 1). ν_k and q_k are invariant under ω → cω, and the rescaled values do not underflow
  // while ω tends to 0 in double precision.
  T direction_xi_squared;        // ‖Acω‖²
  T direction_gradient_squared;  // ‖AᵀAcω‖²
  T direction_image_squared;     // ‖AAᵀAcω‖²

  Theorem1Quantities(const Theorem1Moments<T>& moments, const RowVector<T>& W, const Vector<T>& omega, Theorem1Path path) {
    const Vector<T> direction = ScalarTraits<T>::power_of_two_rescaled(omega);
    if (path == Theorem1Path::moments) from_moments(moments, W, omega, direction);
    else from_samples(moments, W, omega, direction);
  }

 private:
  // M = AᵀA from WG and the moments: O(d²) per step, with no rounding for rationals. In floating
  // point ‖ξ‖² = ωᵀMω cancels: its error is about ε·yyᵀ·‖ω‖², not ε·‖ξ‖².
  void from_moments(const Theorem1Moments<T>& moments, const RowVector<T>& W, const Vector<T>& omega, const Vector<T>& direction) {
    const RowVector<T> W_gram = W * moments.gram;
    const T pp = W_gram.dot(W);
    const T py = W.dot(moments.x_times_y);
    const T p1 = W.dot(moments.x_times_one);
    Matrix<T> M(3, 3);
    M << pp, -py, p1,                                      //
        -py, moments.y_dot_y, -moments.y_dot_one,          //
        p1, -moments.y_dot_one, moments.samples;
    gradient = M * omega;
    xi_squared = omega.dot(gradient);
    loss = (moments.y_dot_y - 2 * py + pp) / 2;
    // ĝX̄ᵀ = (α+1)WG − (β+1)yX̄ᵀ + γ1X̄ᵀ
    sg_times_data = (omega(0) + 1) * W_gram - (omega(1) + 1) * moments.x_times_y.transpose() + omega(2) * moments.x_times_one.transpose();
    const Vector<T> direction_gradient = M * direction;
    direction_xi_squared = direction.dot(direction_gradient);
    direction_gradient_squared = direction_gradient.squaredNorm();
    direction_image_squared = direction_gradient.dot(M * direction_gradient);
  }

  // p = WX̄ and ξ = αp − βy + γ1 sample by sample: O(dS) per step, but ‖ξ‖² is a sum of squares
  // of accurately computed entries.
  void from_samples(const Theorem1Moments<T>& moments, const RowVector<T>& W, const Vector<T>& omega, const Vector<T>& direction) {
    const RowVector<T> p = W * moments.augmented;
    const RowVector<T> residual = p - moments.y;  // ∂L/∂p
    const auto apply_A = [&](const Vector<T>& v) -> RowVector<T> {  // (Av)ᵀ = v₀p − v₁y + v₂1
      return (v(0) * p - v(1) * moments.y).array() + v(2);
    };
    const auto apply_A_transpose = [&](const RowVector<T>& xi) -> Vector<T> {  // Aᵀξ = (p·ξ, −y·ξ, 1·ξ)
      Vector<T> result(3);
      result << p.dot(xi), -moments.y.dot(xi), xi.sum();
      return result;
    };
    const RowVector<T> xi = apply_A(omega);
    gradient = apply_A_transpose(xi);
    xi_squared = xi.squaredNorm();
    loss = residual.squaredNorm() / 2;
    sg_times_data = (residual + xi) * moments.augmented.transpose();  // ĝ = ∂L/∂p + ξ
    const RowVector<T> direction_xi = apply_A(direction);
    const Vector<T> direction_gradient = apply_A_transpose(direction_xi);
    direction_xi_squared = direction_xi.squaredNorm();
    direction_gradient_squared = direction_gradient.squaredNorm();
    direction_image_squared = apply_A(direction_gradient).squaredNorm();
  }
};

// ν_k, q_k and μ_k of one step, or the reason they cannot be evaluated (an interval that
// cannot tell whether ξ_k = 0).
template <class T>
struct Theorem1StepSizes {
  T nu, q, mu;
  std::string failure;
};

template <class T>
Theorem1StepSizes<T> choose_step_sizes(const Theorem1Quantities<T>& quantities, const MuSchedule& mu_schedule,
                                       const NuSchedule& nu_schedule, const SpectralBounds& spectrum) {
  using Traits = ScalarTraits<T>;
  Theorem1StepSizes<T> sizes{T(0), T(1), T(0), {}};
  const T& xi_squared = quantities.direction_xi_squared;
  const T& gradient_squared = quantities.direction_gradient_squared;
  const T& image_squared = quantities.direction_image_squared;
  const Decision xi_is_zero = Traits::is_zero(xi_squared);
  const bool needs_ratios = nu_schedule.line_search || mu_schedule.kind != MuSchedule::Kind::fixed;
  const bool undecidable = xi_is_zero == Decision::unknown || (xi_is_zero == Decision::no && Traits::is_zero(image_squared) != Decision::no);
  if (undecidable && !needs_ratios) {
    sizes.nu = Traits::from_rational(nu_schedule.value);
    sizes.mu = Traits::from_rational(mu_schedule.value);
    return sizes;
  }
  if (undecidable) {
    sizes.failure = "the enclosure of ||xi||^2 or ||A A^T xi||^2 contains 0, so nu and q cannot be evaluated";
    return sizes;
  }
  if (xi_is_zero == Decision::no) {
    // ξ ≠ 0 implies Aᵀξ ≠ 0 and AAᵀξ ≠ 0 (ωᵀAᵀAω = ‖ξ‖² and ξᵀAAᵀξ = ‖Aᵀξ‖²), so both divisions are defined.
    sizes.q = gradient_squared * gradient_squared / (image_squared * xi_squared);
  }
  // NOTE: with ξ_k = 0 the bound's q_k is 0/0; q_k = 1 is used, so μ̄_k = min(b/‖B‖², 1/(2‖B‖))
  // (derived) or min(b/‖B‖², 1/2) (literal). The SG then equals the true gradient.
  sizes.nu = Traits::from_rational(nu_schedule.value);
  if (nu_schedule.line_search) {
    sizes.nu = xi_is_zero == Decision::yes ? T(0) : T(gradient_squared / image_squared);
  }
  if (mu_schedule.kind == MuSchedule::Kind::fixed) {
    sizes.mu = Traits::from_rational(mu_schedule.value);
    return sizes;
  }
  const T b = Traits::from_rational(spectrum.b_lower);
  const T norm = Traits::from_rational(spectrum.norm_upper);
  const T theta = Traits::from_rational(mu_schedule.value);
  const T first = b / (norm * norm);
  const T second = mu_schedule.kind == MuSchedule::Kind::bound_derived ? T(sizes.q / (2 * norm)) : T(1 - sizes.q / 2);
  // NOTE: exact runs round θ·μ̄_k down to 64 significant bits, which keeps μ_k below the bound and
  // its bit length short; the other arithmetics use θ·μ̄_k itself.
  sizes.mu = Traits::round_down_short(theta * Traits::minimum(first, second));
  return sizes;
}

template <class T>
double max_width(const RowVector<T>& W, const Vector<T>& omega) {
  double widest = 0;
  for (Eigen::Index i = 0; i < W.size(); ++i) widest = std::max(widest, ScalarTraits<T>::width(W(i)));
  for (Eigen::Index i = 0; i < omega.size(); ++i) widest = std::max(widest, ScalarTraits<T>::width(omega(i)));
  return widest;
}

template <class T>
Theorem1Run run_theorem1(const Theorem1Problem& problem, const RowVector<Rational>& W_star_exact, const Theorem1Config& config) {
  using Traits = ScalarTraits<T>;
  const auto started = std::chrono::steady_clock::now();
  const auto convert = [](const Rational& value) { return Traits::from_rational(value); };
  const Theorem1Moments<T> moments(problem, config.path);
  const RowVector<T> W_star = W_star_exact.unaryExpr(convert);
  RowVector<T> W = config.start.W.unaryExpr(convert);
  Vector<T> omega = config.start.omega.unaryExpr(convert);

  Theorem1Run run;
  run.arithmetic = config.arithmetic.name();
  run.evidence = Traits::evidence;
  run.steps_requested = config.steps;

  // Thresholds as exact rationals: scale = max(1, ‖W*‖²) is bounded above by max(1, ‖W*‖²) itself,
  // computed exactly, so squared tolerances need no square root.
  const Rational w_star_squared = W_star_exact.squaredNorm();
  const Rational y_squared = problem.y_dot_y;
  const Rational weights_threshold_squared =
      config.tolerances.weights_relative * config.tolerances.weights_relative * (w_star_squared > 1 ? w_star_squared : Rational(1));
  const Rational omega_threshold_squared = config.tolerances.omega * config.tolerances.omega;
  const Rational xi_threshold_squared =
      config.tolerances.xi_relative * config.tolerances.xi_relative * (y_squared > 1 ? y_squared : Rational(1));
  run.weights_threshold = std::sqrt(rational_to_double(weights_threshold_squared));
  run.omega_threshold = std::sqrt(rational_to_double(omega_threshold_squared));
  run.xi_threshold = std::sqrt(rational_to_double(xi_threshold_squared));
  // Divergence: ‖W − W*‖ beyond 10^12 · max(1, ‖W*‖).
  const Rational divergence_squared = Rational(1'000'000'000'000) * Rational(1'000'000'000'000) * (w_star_squared > 1 ? w_star_squared : Rational(1));

  const auto record = [&](std::int64_t k, const Theorem1Quantities<T>& quantities, const Theorem1StepSizes<T>& sizes) {
    const RowVector<T> error = W - W_star;
    RecordedStep row;
    row.k = k;
    row.loss = Traits::to_double(quantities.loss);
    row.weights_error = sqrt_upper_double<T>(error.squaredNorm());
    row.omega_norm = sqrt_upper_double<T>(omega.squaredNorm());
    row.xi_norm = sqrt_upper_double<T>(quantities.xi_squared);
    row.f_norm = sqrt_upper_double<T>(error.dot(error * moments.gram));
    row.mu = Traits::to_double(sizes.mu);
    row.nu = Traits::to_double(sizes.nu);
    row.q = Traits::to_double(sizes.q);
    row.mu_text = Traits::to_string(sizes.mu);
    row.nu_text = Traits::to_string(sizes.nu);
    row.max_width = max_width<T>(W, omega);
    for (Eigen::Index i = 0; i < W.size(); ++i) row.W.push_back(Traits::to_string(W(i)));
    for (Eigen::Index i = 0; i < omega.size(); ++i) row.omega.push_back(Traits::to_string(omega(i)));
    run.trajectory.push_back(std::move(row));
    if (config.on_record) config.on_record(run.trajectory.back());
  };

  // The progress callback rate-limits itself by the clock. Machine floats call it every 16 steps,
  // which costs a double step about 1%; multiprecision steps are slow enough to call it every step.
  constexpr std::int64_t progress_every = std::is_floating_point_v<T> ? 16 : 1;
  std::int64_t k = 0;
  for (;; ++k) {
    const Theorem1Quantities<T> quantities(moments, W, omega, config.path);
    const Theorem1StepSizes<T> sizes = choose_step_sizes(quantities, config.mu, config.nu, problem.spectrum);
    const bool last = k == config.steps;
    const T error_squared = (W - W_star).squaredNorm();
    const bool finite = Traits::is_finite(error_squared) && Traits::is_finite(quantities.xi_squared);
    // Diverged only when even the lower end of an enclosure is past the limit. An interval that
    // merely grew that wide has lost the trajectory, and that decides nothing.
    const T divergence_limit = convert(divergence_squared);
    const bool diverged = !finite || Traits::less(divergence_limit, error_squared) == Decision::yes;
    // An enclosure of W or ω wider than max(1, ‖W*‖) can no longer decide any tolerance.
    const bool enclosure_lost = !diverged && (Traits::less(error_squared, divergence_limit) != Decision::yes ||
                                              max_width<T>(W, omega) > std::max(1.0, std::sqrt(rational_to_double(w_star_squared))));
    if (!sizes.failure.empty() && !last) run.stop_reason = "stopped at step " + std::to_string(k) + ": " + sizes.failure;
    if (enclosure_lost) run.stop_reason = "stopped at step " + std::to_string(k) + ": the enclosures of W and omega grew too wide to decide anything";
    if (diverged) run.stop_reason = "stopped at step " + std::to_string(k) + ": the weights diverged";
    run.halted = !last && run.stop_reason.empty() && k == config.halt_after;
    const bool stop = last || !run.stop_reason.empty() || run.halted;
    if (stop || !config.record_step || config.record_step(k)) record(k, quantities, sizes);
    if (stop) {
      run.diverged = diverged;
      run.weights_within = Traits::less(error_squared, convert(weights_threshold_squared));
      run.omega_within = Traits::less(omega.squaredNorm(), convert(omega_threshold_squared));
      run.xi_within = Traits::less(quantities.xi_squared, convert(xi_threshold_squared));
      break;
    }
    if (config.progress && k > 0 && k % progress_every == 0) config.progress(k);

    // W_{k+1} = W_k − μ ĝX̄ᵀ and ω_{k+1} = ω_k − ν AᵀAω, both from the state at step k.
    W -= sizes.mu * quantities.sg_times_data;
    omega -= sizes.nu * quantities.gradient;
  }
  run.steps_done = k;
  const auto all_finite = [](const auto& values) {
    for (Eigen::Index i = 0; i < values.size(); ++i)
      if (!Traits::is_finite(values(i))) return false;
    return true;
  };
  if (all_finite(W) && all_finite(omega)) {  // otherwise final_W and final_omega stay empty
    run.final_W = W.unaryExpr([](const T& value) { return Traits::to_rational(value); });
    run.final_omega = omega.unaryExpr([](const T& value) { return Traits::to_rational(value); });
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

template <class T>
RowVector<Rational> least_squares_weights_cod(const Theorem1Problem& problem, const RowVector<Rational>& start_weights) {
  using Traits = ScalarTraits<T>;
  const auto convert = [](const Rational& value) { return Traits::from_rational(value); };
  const Matrix<T> design = problem.data.augmented().transpose().unaryExpr(convert);  // X̄ᵀ, S×(d+1)
  const Vector<T> W0 = start_weights.transpose().unaryExpr(convert);
  const Vector<T> residual = problem.data.y.transpose().unaryExpr(convert) - design * W0;
  const Eigen::CompleteOrthogonalDecomposition<Matrix<T>> decomposition(design);
  const Vector<T> W = W0 + decomposition.solve(residual);
  return W.transpose().unaryExpr([](const T& value) { return Traits::to_rational(value); });
}

}  // namespace sgverify
