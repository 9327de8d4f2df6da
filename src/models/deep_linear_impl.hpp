// Definitions of the templated deep linear model of Corollary 1. Included only by the source
// files that instantiate it for one scalar each.
#pragma once

#include "models/deep_linear.hpp"

#include <mpfr.h>

#include <chrono>
#include <cmath>

namespace sgverify {

namespace deep_linear_detail {

// √v for v ≥ 0. Rationals have no exact square root, so the result is the square root rounded to
// 53 bits, converted exactly. MPFR computes it because its exponent range does not overflow. As a
// double, a rational above 1.8e308 is inf, and GMP stops the process with SIGFPE on converting inf.
// Callers decide every sign from squares, so this rounding only changes magnitudes, never whether
// the gate is open.
inline double root(double value) { return value > 0 ? std::sqrt(value) : 0.0; }
inline Mpfr root(const Mpfr& value) { return value > 0 ? Mpfr(sqrt(value)) : Mpfr(0); }
inline Rational root(const Rational& value) {
  if (!(value > 0)) return Rational(0);
  mpfr_t rounded;
  mpfr_init2(rounded, 53);
  mpfr_set_q(rounded, value.backend().data(), MPFR_RNDN);
  mpfr_sqrt(rounded, rounded, MPFR_RNDN);
  Rational result;
  mpfr_get_q(result.backend().data(), rounded);
  mpfr_clear(rounded);
  return result;
}

template <class T>
bool all_finite(const Matrix<T>& values) {
  for (Eigen::Index i = 0; i < values.size(); ++i)
    if (!ScalarTraits<T>::is_finite(values.data()[i])) return false;
  return true;
}

template <class T>
T trace_of_product(const Matrix<T>& a, const Matrix<T>& b) {  // tr(a bᵀ)
  return a.cwiseProduct(b).sum();
}

}  // namespace deep_linear_detail

template <class T>
DeepLinearQuantities<T> compute_deep_linear_quantities(const Matrix<T>& moments, const DeepLinearArchitecture& architecture,
                                                       const DeepLinearState<T>& state, bool with_sg) {
  using deep_linear_detail::trace_of_product;
  const int n = architecture.depth();
  const int j = architecture.sg_layer;
  const Eigen::Index d0 = architecture.input_dim();
  const Eigen::Index out = architecture.output_dim();
  const auto xx = moments.topLeftCorner(d0, d0);
  const auto xy = moments.block(0, d0, d0, out);
  const auto yy = moments.block(d0, d0, out, out);

  DeepLinearQuantities<T> q;
  // M_i = W_i⋯W_1 and P_i = W_{n+1}⋯W_{i+1}.
  q.prefix.resize(static_cast<std::size_t>(n + 2));
  q.prefix[0] = Matrix<T>::Identity(d0, d0);
  for (int i = 1; i <= n + 1; ++i) q.prefix[static_cast<std::size_t>(i)].noalias() = state.W[static_cast<std::size_t>(i - 1)] * q.prefix[static_cast<std::size_t>(i - 1)];
  std::vector<Matrix<T>> suffix(static_cast<std::size_t>(n + 2));
  suffix[static_cast<std::size_t>(n + 1)] = Matrix<T>::Identity(out, out);
  for (int i = n; i >= 0; --i) suffix[static_cast<std::size_t>(i)].noalias() = suffix[static_cast<std::size_t>(i + 1)] * state.W[static_cast<std::size_t>(i)];

  // L = ½tr(MΣ_xxMᵀ) − tr(MΣ_xy) + ½tr(Σ_yy) and ∂L/∂M = MΣ_xx − Σ_yx.
  const Matrix<T>& M = q.prefix[static_cast<std::size_t>(n + 1)];
  const Matrix<T> M_xx = M * xx;
  q.loss = trace_of_product<T>(M_xx, M) / 2 - Matrix<T>(M * xy).trace() + Matrix<T>(yy).trace() / 2;
  const Matrix<T> loss_gradient_M = M_xx - xy.transpose();

  q.true_gradient.resize(static_cast<std::size_t>(n + 1));
  q.gradient_squared = 0;
  q.lower_gradient_squared = 0;
  for (int i = 1; i <= n + 1; ++i) {
    const auto index = static_cast<std::size_t>(i - 1);
    const Matrix<T> right = loss_gradient_M * q.prefix[index].transpose();  // (∂L/∂M) M_{i-1}ᵀ
    q.true_gradient[index].noalias() = suffix[static_cast<std::size_t>(i)].transpose() * right;
    const T squared = q.true_gradient[index].squaredNorm();
    q.gradient_squared += squared;
    if (i <= j) q.lower_gradient_squared += squared;
  }
  q.e_squared = 0;
  q.jacobian_frobenius_squared = 0;
  if (!with_sg) return q;

  // Θ = [C M_j − P_jᵀM | D + P_jᵀ | c], so that e = ΘZ.
  const Eigen::Index width = architecture.widths[static_cast<std::size_t>(j)];
  const Eigen::Index m = moments.rows();
  const Matrix<T>& M_j = q.prefix[static_cast<std::size_t>(j)];
  const Matrix<T>& P_j = suffix[static_cast<std::size_t>(j)];
  const Matrix<T> C_M_j = state.C * M_j;
  Matrix<T> theta(width, m);
  theta.leftCols(d0) = C_M_j - P_j.transpose() * M;
  theta.middleCols(d0, out) = state.D + P_j.transpose();
  theta.col(m - 1) = state.c;
  const Matrix<T> psi = theta * moments;
  q.e_squared = trace_of_product<T>(psi, theta);
  q.sg_gradient_C.noalias() = psi.leftCols(d0) * M_j.transpose();
  q.sg_gradient_D = psi.middleCols(d0, out);
  q.sg_gradient_c = psi.col(m - 1);

  // The SG over the batch is ΦZ with Φ = [C M_j | D | c]; pushed through ∂h_j/∂W_i it gives
  // Q_iᵀ (ΦZXᵀ) M_{i-1}ᵀ with Q_i = W_j⋯W_{i+1}, computed from i = j downwards.
  Matrix<T> phi(width, m);
  phi.leftCols(d0) = C_M_j;
  phi.middleCols(d0, out) = state.D;
  phi.col(m - 1) = state.c;
  Matrix<T> pushed = phi * moments.leftCols(d0);  // Q_jᵀ ΦZXᵀ
  q.synthetic_gradient.resize(static_cast<std::size_t>(j));
  q.below.resize(static_cast<std::size_t>(j));
  q.below[static_cast<std::size_t>(j - 1)] = Matrix<T>::Identity(width, width);
  for (int i = j; i >= 1; --i) {
    const auto index = static_cast<std::size_t>(i - 1);
    q.synthetic_gradient[index].noalias() = pushed * q.prefix[index].transpose();
    if (i > 1) {
      pushed = state.W[index].transpose() * pushed;
      q.below[index - 1].noalias() = q.below[index] * state.W[index];
    }
  }
  // ‖J‖_F² = Σ_i ‖Q_i‖_F² ‖H_{i-1}‖_F², because the block of W_i is H_{i-1}ᵀ ⊗ Q_i.
  for (int i = 1; i <= j; ++i) {
    const auto index = static_cast<std::size_t>(i - 1);
    const Matrix<T>& M_before = q.prefix[index];
    q.jacobian_frobenius_squared += q.below[index].squaredNorm() * trace_of_product<T>(Matrix<T>(M_before * xx), M_before);
  }
  return q;
}

template <class T>
BackpropResult<T> backpropagate_samples(const DeepLinearProblem& problem, const DeepLinearArchitecture& architecture,
                                        const DeepLinearState<T>& state) {
  const auto convert = [](const Rational& value) { return ScalarTraits<T>::from_rational(value); };
  const int n = architecture.depth();
  const int j = architecture.sg_layer;
  std::vector<Matrix<T>> hidden(static_cast<std::size_t>(n + 2));
  hidden[0] = problem.X.unaryExpr(convert);
  for (int i = 1; i <= n + 1; ++i) hidden[static_cast<std::size_t>(i)] = state.W[static_cast<std::size_t>(i - 1)] * hidden[static_cast<std::size_t>(i - 1)];
  Matrix<T> delta = hidden[static_cast<std::size_t>(n + 1)] - problem.Y.unaryExpr(convert);  // ∂L/∂output
  BackpropResult<T> result;
  result.loss = delta.squaredNorm() / 2;
  result.gradient.resize(static_cast<std::size_t>(n + 1));
  for (int i = n + 1; i >= 1; --i) {
    const auto index = static_cast<std::size_t>(i - 1);
    result.gradient[index] = delta * hidden[index].transpose();
    delta = Matrix<T>(state.W[index].transpose() * delta);  // now ∂L/∂h_{i-1}
    if (i - 1 == j) {
      result.hidden = hidden[index];
      result.hidden_gradient = delta;
    }
  }
  return result;
}

template <class T>
GateDecision<T> decide_gate(const Matrix<T>& moments, const DeepLinearConfig& config, const DeepLinearQuantities<T>& quantities,
                            Matrix<T>& direction) {
  using Traits = ScalarTraits<T>;
  using deep_linear_detail::root;
  using deep_linear_detail::trace_of_product;
  const int j = config.architecture.sg_layer;
  const Eigen::Index d0 = config.architecture.input_dim();
  const Eigen::Index width = config.architecture.widths[static_cast<std::size_t>(j)];
  const auto xx = moments.topLeftCorner(d0, d0);
  GateDecision<T> gate;

  T jacobian_squared = quantities.jacobian_frobenius_squared;
  const bool spectral = config.norm == JacobianNorm::spectral && Traits::evidence != Evidence::exact;
  if (spectral) {
    // JJᵀ maps ΩX to (Σ_i B_i Ω Σ_xx N_i) X with B_i = Q_iQ_iᵀ and N_i = M_{i-1}ᵀM_{i-1}, so its
    // largest eigenvalue is that of Ω ↦ Σ_i B_i Ω Σ_xx N_i under ⟨Ω, Ω'⟩ = tr(ΩΣ_xxΩ'ᵀ): a
    // (d_j·d_0)-dimensional problem, whatever the sample count. The Rayleigh quotient of any Ω
    // is a lower bound on ‖J‖₂².
    std::vector<Matrix<T>> left(static_cast<std::size_t>(j)), right(static_cast<std::size_t>(j));
    for (int i = 0; i < j; ++i) {
      const auto index = static_cast<std::size_t>(i);
      left[index].noalias() = quantities.below[index] * quantities.below[index].transpose();
      right[index].noalias() = quantities.prefix[index].transpose() * quantities.prefix[index];
    }
    const auto apply = [&](const Matrix<T>& omega) {
      const Matrix<T> weighted = omega * xx;
      Matrix<T> result = Matrix<T>::Zero(width, d0);
      for (int i = 0; i < j; ++i) result.noalias() += left[static_cast<std::size_t>(i)] * weighted * right[static_cast<std::size_t>(i)];
      return result;
    };
    const auto inner = [&](const Matrix<T>& a, const Matrix<T>& b) { return trace_of_product<T>(Matrix<T>(a * xx), b); };
    if (direction.rows() != width || direction.cols() != d0 || !(inner(direction, direction) > 0)) direction = Matrix<T>::Ones(width, d0);
    T rayleigh = 0;
    gate.power_converged = false;
    for (gate.power_iterations = 1; gate.power_iterations <= config.power_max_iterations; ++gate.power_iterations) {
      const T length_squared = inner(direction, direction);
      if (!(length_squared > 0)) {  // Σ_xx = 0: the Jacobian is 0
        rayleigh = 0;
        gate.power_converged = true;
        break;
      }
      const Matrix<T> image = apply(direction);
      const T next = inner(direction, image) / length_squared;
      const T image_length = root(inner(image, image));
      if (image_length > 0) direction = image / image_length;
      using std::abs;
      const bool converged = abs(next - rayleigh) <= T(config.power_tolerance) * next;
      rayleigh = next;
      if (converged || !(image_length > 0)) {
        gate.power_converged = true;
        break;
      }
    }
    gate.power_iterations = std::min(gate.power_iterations, config.power_max_iterations);
    jacobian_squared = rayleigh;
  }

  gate.jacobian_norm = root(jacobian_squared);
  gate.e_norm = root(quantities.e_squared);
  gate.lower_gradient_norm = root(quantities.lower_gradient_squared);
  // ‖e‖·K < ⅓‖g‖ ⇔ 9‖e‖²K² < ‖g‖², decided from squares without rounding in rationals.
  gate.open = Traits::less(9 * quantities.e_squared * jacobian_squared, quantities.lower_gradient_squared);
  gate.mu = 0;
  if (!(jacobian_squared > 0)) return gate;  // J = 0, so ∂L/∂θ_{<h} = 0 and no step moves θ_{<h}

  // With a = ‖g‖/(3K) and b = ‖e‖, μ = ε(a − b) or ε(b − a), written as ε(a² − b²)/(a + b) so that
  // its sign comes from the exact squares.
  const T a_squared = quantities.lower_gradient_squared / (9 * jacobian_squared);
  const T& b_squared = quantities.e_squared;
  const T eps = Traits::from_rational(config.eps);
  const T sum = root(a_squared) + gate.e_norm;
  if (config.schedule == GateSchedule::consistent && Traits::less(b_squared, a_squared) == Decision::yes) {
    gate.mu = eps * (a_squared - b_squared) / sum;
  } else if (config.schedule == GateSchedule::literal && Traits::less(a_squared, b_squared) == Decision::yes) {
    gate.mu = eps * (b_squared - a_squared) / sum;
  }
  return gate;
}

template <class T>
DeepLinearState<T> deep_linear_step(const DeepLinearConfig& config, const DeepLinearState<T>& state,
                                    const DeepLinearQuantities<T>& quantities, const GateDecision<T>& gate) {
  const T eps = ScalarTraits<T>::from_rational(config.eps);
  const T nu = ScalarTraits<T>::from_rational(config.nu);
  const int j = config.architecture.sg_layer;
  DeepLinearState<T> next = state;
  for (std::size_t index = 0; index < state.W.size(); ++index) {
    const bool lower = static_cast<int>(index) < j;
    if (config.synthetic && lower) next.W[index] -= gate.mu * quantities.synthetic_gradient[index];
    else next.W[index] -= eps * quantities.true_gradient[index];
  }
  if (config.synthetic) {
    next.C -= nu * quantities.sg_gradient_C;
    next.D -= nu * quantities.sg_gradient_D;
    next.c -= nu * quantities.sg_gradient_c;
  }
  return next;
}

// True when the update of θ_{<h} is nonzero: μ ≠ 0 and some synthetic gradient entry ≠ 0.
template <class T>
bool lower_block_moves(const DeepLinearQuantities<T>& quantities, const GateDecision<T>& gate) {
  if (ScalarTraits<T>::is_zero(gate.mu) != Decision::no) return false;
  for (const Matrix<T>& gradient : quantities.synthetic_gradient)
    for (Eigen::Index i = 0; i < gradient.size(); ++i)
      if (ScalarTraits<T>::is_zero(gradient.data()[i]) == Decision::no) return true;
  return false;
}

template <class T>
DeepLinearRun run_deep_linear(const DeepLinearProblem& problem, const DeepLinearState<Rational>& start, const DeepLinearConfig& config) {
  using Traits = ScalarTraits<T>;
  const auto started = std::chrono::steady_clock::now();
  const auto convert = [](const Rational& value) { return Traits::from_rational(value); };
  const Matrix<T> moments = problem.moments.unaryExpr(convert);
  DeepLinearState<T> state = convert_state<T>(start);
  Matrix<T> direction;

  DeepLinearRun run;
  run.arithmetic = config.arithmetic.name();
  run.evidence = Traits::evidence;
  run.synthetic = config.synthetic;
  run.steps_requested = config.steps;
  std::int64_t k = 0;
  for (;; ++k) {
    const DeepLinearQuantities<T> quantities = compute_deep_linear_quantities<T>(moments, config.architecture, state, config.synthetic);
    GateDecision<T> gate;
    gate.mu = 0;
    gate.jacobian_norm = 0;
    gate.e_norm = 0;
    gate.lower_gradient_norm = deep_linear_detail::root(quantities.lower_gradient_squared);
    if (config.synthetic) gate = decide_gate<T>(moments, config, quantities, direction);
    const bool moved = config.synthetic ? lower_block_moves(quantities, gate) : quantities.lower_gradient_squared > 0;
    const bool finite = Traits::is_finite(quantities.loss) && Traits::is_finite(quantities.gradient_squared) &&
                        Traits::is_finite(quantities.e_squared);
    const double gradient_norm = sqrt_upper_double<T>(quantities.gradient_squared);
    if (k == 0) run.initial_gradient_norm = gradient_norm;
    const bool last = k == config.steps || !finite;
    if (!finite) {
      run.diverged = true;
      run.stop_reason = "stopped at step " + std::to_string(k) + ": the loss or a gradient is not finite";
    }
    if (config.synthetic && !last) {
      if (gate.open == Decision::yes) ++run.open_steps;
      if (!gate.power_converged) ++run.unconverged_power_steps;
      if ((gate.open == Decision::yes) != moved) {
        if (run.gate_mismatches == 0) {
          run.first_mismatch_step = k;
          run.first_mismatch_state = convert_state<Rational>(state);
        }
        ++run.gate_mismatches;
      }
    }
    if (last || !config.record_step || config.record_step(k)) {
      DeepLinearRecord row;
      row.k = k;
      row.loss = Traits::to_double(quantities.loss);
      row.gradient_norm = gradient_norm;
      row.lower_gradient_norm = Traits::to_double(gate.lower_gradient_norm);
      row.e_norm = Traits::to_double(gate.e_norm);
      row.jacobian_norm = Traits::to_double(gate.jacobian_norm);
      row.mu = Traits::to_double(gate.mu);
      row.gate_left = row.e_norm * row.jacobian_norm;
      row.gate_right = row.lower_gradient_norm / 3;
      row.gate_open = gate.open == Decision::yes ? 1 : gate.open == Decision::no ? 0 : -1;
      row.lower_moved = moved ? 1 : 0;
      row.power_iterations = gate.power_iterations;
      run.trajectory.push_back(row);
    }
    if (last) {
      run.final_gradient_norm = gradient_norm;
      run.final_loss = Traits::to_double(quantities.loss);
      break;
    }
    state = deep_linear_step<T>(config, state, quantities, gate);
  }
  run.steps_done = k;
  bool state_finite = true;
  for (const Matrix<T>& weights : state.W) state_finite = state_finite && deep_linear_detail::all_finite<T>(weights);
  if (state_finite) run.final_state = convert_state<Rational>(state);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

// Instantiates every template of the model for one scalar.
#define SGVERIFY_DEEP_LINEAR_INSTANTIATE(T)                                                                                     \
  template DeepLinearQuantities<T> compute_deep_linear_quantities<T>(const Matrix<T>&, const DeepLinearArchitecture&,          \
                                                                     const DeepLinearState<T>&, bool);                         \
  template BackpropResult<T> backpropagate_samples<T>(const DeepLinearProblem&, const DeepLinearArchitecture&,                 \
                                                      const DeepLinearState<T>&);                                              \
  template GateDecision<T> decide_gate<T>(const Matrix<T>&, const DeepLinearConfig&, const DeepLinearQuantities<T>&,           \
                                          Matrix<T>&);                                                                         \
  template DeepLinearState<T> deep_linear_step<T>(const DeepLinearConfig&, const DeepLinearState<T>&,                          \
                                                  const DeepLinearQuantities<T>&, const GateDecision<T>&);                     \
  template DeepLinearRun run_deep_linear<T>(const DeepLinearProblem&, const DeepLinearState<Rational>&, const DeepLinearConfig&);

}  // namespace sgverify
