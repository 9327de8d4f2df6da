// The deep linear model of Corollary 1 of Czarnecki et al., "Understanding Synthetic Gradients
// and Decoupled Neural Interfaces" (ICML 2017), trained through a linear synthetic-gradient (SG)
// module, one templated implementation for every scalar type.
//
// Notation (one sample a column): h_0 = x, h_i = W_i h_{i-1} for i = 1..n, output W_{n+1} h_n,
// L = ½ Σ_s ‖W_{n+1} h_n − y‖². Widths d_0 (input), d_1..d_n (hidden), d_{n+1} (output). The SG
// sits after hidden layer j: SG(h_j, y) = C h_j + D y + c, zero at the start. With
// M_i = W_i⋯W_1, P_i = W_{n+1}⋯W_{i+1} and M = M_{n+1},
//     ∂L/∂h_j = P_jᵀ(M x − y) = P_jᵀP_j h_j − P_jᵀ y,
// which is affine in (h_j, y): the SG with C = P_jᵀP_j, D = −P_jᵀ, c = 0 is exact.
//
// One step: θ_{<h} = (W_1..W_j) moves by −μ · SG pushed through ∂h_j/∂θ_{<h}, θ_{>h} = (W_{j+1}..W_{n+1})
// by −ε ∂L/∂θ_{>h}, and (C, D, c) by −ν ∂E/∂(C, D, c) with E = ½ Σ_s ‖SG − ∂L/∂h_j‖². μ is gated:
//     schedule-consistent: μ = ε·max(0, ‖∂L/∂θ_{<h}‖/(3K) − ‖e‖)
//     schedule-literal:    μ = ε·max(0, ‖e‖ − ‖∂L/∂θ_{<h}‖/(3K))
// with e = SG − ∂L/∂h_j over the whole batch and K = ‖∂h_j/∂θ_{<h}‖ over the batch. The gate is
// the inequality ‖e‖·K < ⅓‖∂L/∂θ_{<h}‖. The baseline is plain backpropagation with rate ε.
//
// Every step is computed from the data moments Σ = ZZᵀ with Z = [X; Y; 1ᵀ], never sample by
// sample, so a step costs O(n·w³) for width w whatever the sample count:
//     ∂L/∂W_i = P_iᵀ(MΣ_xx − Σ_yx)M_{i-1}ᵀ,   e = ΘZ with Θ = [C M_j − P_jᵀM | D + P_jᵀ | c],
//     ‖e‖² = tr(ΘΣΘᵀ),   ∂E/∂C = (ΘΣ)_x M_jᵀ,   ∂E/∂D = (ΘΣ)_y,   ∂E/∂c = (ΘΣ)_1.
#pragma once

#include "numeric/arithmetic.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sgverify {

enum class GateSchedule { consistent, literal };

GateSchedule parse_gate_schedule(const std::string& text);
std::string to_string(GateSchedule schedule);  // "schedule-consistent" or "schedule-literal"

// Which norm K of the Jacobian ∂h_j/∂θ_{<h} (over the batch) the gate uses.
//   spectral: the largest singular value, by power iteration on JJᵀ (double and MPFR);
//   frobenius: ‖J‖_F ≥ ‖J‖₂, exact in rationals, so the gate stays sufficient.
enum class JacobianNorm { spectral, frobenius };

std::string to_string(JacobianNorm norm);

// Widths d_0..d_{n+1} and the hidden layer j after which the SG sits (1 ≤ j ≤ n).
struct DeepLinearArchitecture {
  std::vector<Eigen::Index> widths;
  int sg_layer = 1;

  int depth() const { return static_cast<int>(widths.size()) - 2; }  // n, the number of hidden layers
  Eigen::Index input_dim() const { return widths.front(); }
  Eigen::Index output_dim() const { return widths.back(); }
  std::string describe() const;  // "widths 4-3-3-1, SG after layer 1"
};

// Throws InputError unless there is at least one hidden layer, every width is positive and
// 1 ≤ sg_layer ≤ depth.
void check_architecture(const DeepLinearArchitecture& architecture);

// The data of one instance in exact rationals, with its moments.
struct DeepLinearProblem {
  std::string source;
  Matrix<Rational> X;        // d_0 × S
  Matrix<Rational> Y;        // d_{n+1} × S
  Matrix<Rational> moments;  // Σ = ZZᵀ with Z = [X; Y; 1ᵀ], (d_0 + d_{n+1} + 1)²

  DeepLinearProblem(std::string source, Matrix<Rational> X, Matrix<Rational> Y);
  Eigen::Index samples() const { return X.cols(); }
  // 16 hex digits of FNV-1a over the exact text of X and Y.
  std::string checksum() const;
};

// Seeded realizable data: x standard Gaussian on the grid 2^-16, y = T x with T Gaussian on the
// grid 2^-8 divided by d_0 (so y is exact on the grid 2^-24 scaled by 1/d_0).
DeepLinearProblem make_deep_linear_problem(Eigen::Index input_dim, Eigen::Index output_dim, Eigen::Index samples,
                                           std::uint64_t seed);

// Weights W_1..W_{n+1} (W[i-1] is W_i, d_i × d_{i-1}) and the SG parameters C (d_j × d_j),
// D (d_j × d_{n+1}), c (d_j).
template <class T>
struct DeepLinearState {
  std::vector<Matrix<T>> W;
  Matrix<T> C, D;
  Vector<T> c;
};

// W_i with standard Gaussian entries on the grid 2^-16 divided by √d_{i-1} (rounded to the grid),
// and a zero SG.
DeepLinearState<Rational> make_deep_linear_start(const DeepLinearArchitecture& architecture, std::uint64_t seed);

// The SG that equals ∂L/∂h_j exactly at the given weights: C = P_jᵀP_j, D = −P_jᵀ, c = 0.
DeepLinearState<Rational> with_exact_sg(const DeepLinearState<Rational>& state, const DeepLinearArchitecture& architecture);

// The state in another scalar, through exact rationals.
template <class To, class From>
DeepLinearState<To> convert_state(const DeepLinearState<From>& state) {
  const auto convert = [](const From& value) { return ScalarTraits<To>::from_rational(ScalarTraits<From>::to_rational(value)); };
  DeepLinearState<To> result;
  for (const Matrix<From>& weights : state.W) result.W.push_back(weights.unaryExpr(convert));
  result.C = state.C.unaryExpr(convert);
  result.D = state.D.unaryExpr(convert);
  result.c = state.c.unaryExpr(convert);
  return result;
}

// Everything one step needs, at one state.
template <class T>
struct DeepLinearQuantities {
  T loss;
  std::vector<Matrix<T>> true_gradient;       // ∂L/∂W_i, i = 1..n+1
  std::vector<Matrix<T>> synthetic_gradient;  // SG pushed through ∂h_j/∂W_i, i = 1..j
  Matrix<T> sg_gradient_C, sg_gradient_D;     // ∂E/∂C, ∂E/∂D
  Vector<T> sg_gradient_c;                    // ∂E/∂c
  T gradient_squared;        // ‖∇_θ L‖² over all layers
  T lower_gradient_squared;  // ‖∂L/∂θ_{<h}‖²
  T e_squared;               // ‖e‖² = ‖SG − ∂L/∂h_j‖² over the batch
  T jacobian_frobenius_squared;  // ‖∂h_j/∂θ_{<h}‖_F²
  std::vector<Matrix<T>> prefix;  // M_i = W_i⋯W_1, i = 0..n+1
  std::vector<Matrix<T>> below;   // Q_i = W_j⋯W_{i+1}, i = 1..j (index i − 1)
};

// Gradients from the moments. With with_sg false only loss and true gradients are filled.
template <class T>
DeepLinearQuantities<T> compute_deep_linear_quantities(const Matrix<T>& moments, const DeepLinearArchitecture& architecture,
                                                       const DeepLinearState<T>& state, bool with_sg);

// The same gradients by plain backpropagation sample by sample (no moments), for tests:
// ∂L/∂W_i for every layer, and ∂L/∂h_j and h_j as d_j × S matrices.
template <class T>
struct BackpropResult {
  T loss;
  std::vector<Matrix<T>> gradient;
  Matrix<T> hidden;           // h_j for every sample
  Matrix<T> hidden_gradient;  // ∂L/∂h_j for every sample
};

template <class T>
BackpropResult<T> backpropagate_samples(const DeepLinearProblem& problem, const DeepLinearArchitecture& architecture,
                                        const DeepLinearState<T>& state);

// The gate and the rate μ at one state. Decided in the scalar's own arithmetic.
template <class T>
struct GateDecision {
  T jacobian_norm;  // K, by the configured norm
  T e_norm, lower_gradient_norm;
  Decision open = Decision::unknown;  // ‖e‖·K < ⅓‖∂L/∂θ_{<h}‖
  T mu;
  int power_iterations = 0;
  bool power_converged = true;
};

struct DeepLinearConfig {
  ArithmeticSpec arithmetic;
  DeepLinearArchitecture architecture;
  GateSchedule schedule = GateSchedule::consistent;
  JacobianNorm norm = JacobianNorm::spectral;
  bool synthetic = true;  // false: the backpropagation baseline
  Rational eps = Rational(1, 1000);
  Rational nu = Rational(1, 1000);
  std::int64_t steps = 1000;
  // Power iteration for the spectral norm: stop when the Rayleigh quotient changes by at most
  // power_tolerance relative, or after power_max_iterations applications in one step.
  double power_tolerance = 1e-9;
  int power_max_iterations = 200;
  std::function<bool(std::int64_t step)> record_step;  // null: record every step
};

// Gate and μ at one state. `direction` is the warm start of the power iteration (d_j × d_0); it
// is replaced by the new iterate.
template <class T>
GateDecision<T> decide_gate(const Matrix<T>& moments, const DeepLinearConfig& config, const DeepLinearQuantities<T>& quantities,
                            Matrix<T>& direction);

// One step from `state`: returns the next state. `moved` reports whether any entry of W_1..W_j changed.
template <class T>
DeepLinearState<T> deep_linear_step(const DeepLinearConfig& config, const DeepLinearState<T>& state,
                                    const DeepLinearQuantities<T>& quantities, const GateDecision<T>& gate);

// One recorded step, as doubles for display.
struct DeepLinearRecord {
  std::int64_t k = 0;
  double loss = 0, gradient_norm = 0, lower_gradient_norm = 0, e_norm = 0, jacobian_norm = 0, mu = 0;
  double gate_left = 0;   // ‖e‖·K
  double gate_right = 0;  // ⅓‖∂L/∂θ_{<h}‖
  int gate_open = -1;     // 1 open, 0 closed, -1 undecided
  int lower_moved = 0;    // 1 when some entry of W_1..W_j changed in this step
  int power_iterations = 0;
};

struct DeepLinearRun {
  std::string arithmetic;
  Evidence evidence = Evidence::numerical;
  bool synthetic = true;
  std::int64_t steps_requested = 0, steps_done = 0;
  std::string stop_reason;  // empty when every step was done
  bool diverged = false;    // a non-finite loss or gradient
  std::vector<DeepLinearRecord> trajectory;
  double initial_gradient_norm = 0, final_gradient_norm = 0, final_loss = 0;
  // Steps in which the lower block moved while the gate was closed, or stayed while it was open,
  // as decided in the run's arithmetic; and steps whose power iteration hit its cap.
  std::int64_t gate_mismatches = 0, open_steps = 0, unconverged_power_steps = 0;
  std::int64_t first_mismatch_step = -1;
  DeepLinearState<Rational> first_mismatch_state;  // the state before that step, as rationals
  DeepLinearState<Rational> final_state;
  double seconds = 0;
};

template <class T>
DeepLinearRun run_deep_linear(const DeepLinearProblem& problem, const DeepLinearState<Rational>& start, const DeepLinearConfig& config);

extern template DeepLinearRun run_deep_linear<Rational>(const DeepLinearProblem&, const DeepLinearState<Rational>&, const DeepLinearConfig&);
extern template DeepLinearRun run_deep_linear<Mpfr>(const DeepLinearProblem&, const DeepLinearState<Rational>&, const DeepLinearConfig&);
extern template DeepLinearRun run_deep_linear<double>(const DeepLinearProblem&, const DeepLinearState<Rational>&, const DeepLinearConfig&);

// Dispatches on config.arithmetic (exact, mpfr or double; InputError on the others).
DeepLinearRun run_deep_linear(const DeepLinearProblem& problem, const DeepLinearState<Rational>& start, const DeepLinearConfig& config);

// The templates above that tests and proofs call directly, for Rational, Mpfr and double.
#define SGVERIFY_DEEP_LINEAR_EXTERN(T)                                                                                          \
  extern template DeepLinearQuantities<T> compute_deep_linear_quantities<T>(const Matrix<T>&, const DeepLinearArchitecture&,   \
                                                                            const DeepLinearState<T>&, bool);                  \
  extern template BackpropResult<T> backpropagate_samples<T>(const DeepLinearProblem&, const DeepLinearArchitecture&,          \
                                                             const DeepLinearState<T>&);                                       \
  extern template GateDecision<T> decide_gate<T>(const Matrix<T>&, const DeepLinearConfig&, const DeepLinearQuantities<T>&,    \
                                                 Matrix<T>&);                                                                  \
  extern template DeepLinearState<T> deep_linear_step<T>(const DeepLinearConfig&, const DeepLinearState<T>&,                   \
                                                         const DeepLinearQuantities<T>&, const GateDecision<T>&);
SGVERIFY_DEEP_LINEAR_EXTERN(Rational)
SGVERIFY_DEEP_LINEAR_EXTERN(Mpfr)
SGVERIFY_DEEP_LINEAR_EXTERN(double)

}  // namespace sgverify
