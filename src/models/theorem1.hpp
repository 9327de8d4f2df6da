// Theorem 1 of Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural
// Interfaces" (ICML 2017): linear regression trained through a linear synthetic-gradient (SG)
// module, one templated implementation for every scalar type.
//
// Notation (one sample a column): X̄ = [X; 1ᵀ] is (d+1)×S, W is 1×(d+1), p = W X̄,
// L = ½‖y − p‖², the SG output is ĝ = (α+1)p − (β+1)y + γ1 with ω = (α, β, γ)ᵀ,
// A = [pᵀ | −yᵀ | 1ᵀ] is S×3 and ξ = Aω = (ĝ − ∂L/∂p)ᵀ. One step, both updates using p_k:
//     W_{k+1} = W_k − μ_k ĝ_k X̄ᵀ
//     ω_{k+1} = ω_k − ν_k A_kᵀ A_k ω_k
//
// With path `moments` the iteration never touches the S samples: with the moments G = X̄X̄ᵀ, X̄yᵀ, X̄1ᵀ, yyᵀ, y1ᵀ
// and S, every quantity is a product of W with them, so a step costs O(d²) instead of O(dS):
//     M = AᵀA = [[pp, −py, p1], [−py, yy, −y1], [p1, −y1, S]]   with pp = WGWᵀ, py = W·X̄yᵀ, p1 = W·X̄1ᵀ
//     Aᵀξ = Mω,  ‖ξ‖² = ωᵀMω,  ‖AAᵀξ‖² = (Mω)ᵀM(Mω),  ĝX̄ᵀ = (α+1)WG − (β+1)yX̄ᵀ + γ1X̄ᵀ
#pragma once

#include "data/dataset.hpp"
#include "numeric/arithmetic.hpp"
#include "numeric/spectral.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sgverify {

// Schedule of the main learning rate μ_k. The bound schedules use μ̄_k = min(b/‖B‖², q_k/(2‖B‖)) (bound-derived) or
// min(b/‖B‖², 1 − q_k/2) (bound-literal, the other reading of the printed formula), times θ,
// with q_k = ‖A_kᵀξ_k‖⁴ / (‖A_kA_kᵀξ_k‖² ‖ξ_k‖²). Both use proved rational bounds
// b_lower ≤ b and norm_upper ≥ ‖B‖ in place of b and ‖B‖, so μ_k never exceeds θ·μ̄_k.
struct MuSchedule {
  enum class Kind { fixed, bound_derived, bound_literal };
  Kind kind = Kind::bound_derived;
  Rational value = Rational(1, 2);  // μ for fixed, θ for the bound schedules

  std::string name() const;
};

// ν_k: the exact line search ν_k = ‖A_kᵀξ_k‖² / ‖A_kA_kᵀξ_k‖² (0 when ξ_k = 0), or a constant.
struct NuSchedule {
  bool line_search = true;
  Rational value = 0;

  std::string name() const;
};

enum class Start { paper, zero, random };

// Computation path of one step: from the moments (O(d²), exact and fastest for rationals, but
// ‖ξ‖² then cancels in floating point), or sample by sample (O(dS), accurate in floating point).
enum class Theorem1Path { moments, samples };

Theorem1Path parse_path(const std::string& text);
std::string to_string(Theorem1Path path);
// The default path: samples for double and long double, moments for the others (exact, and
// multiprecision, where the cancellation costs digits far below the working precision).
Theorem1Path default_path(const ArithmeticSpec& arithmetic);

MuSchedule parse_mu_schedule(const std::string& text);
NuSchedule parse_nu_schedule(const std::string& text);
Start parse_start(const std::string& text);
std::string to_string(Start start);

// Size limits of a Theorem 1 instance, the same for `sgverify theorem1` (synthetic data and --data
// files) and for the trace reader, so that every trace the suite writes can be read back. The
// exact moments and the proved spectral bounds of d = 1000 features take about a minute.
inline constexpr std::int64_t max_theorem1_dim = 1'000;
inline constexpr std::int64_t max_theorem1_samples = 1'000'000;
inline constexpr std::int64_t max_theorem1_values = 1'000'000;  // d·S
// Precision limits of a Theorem 1 run. A trace writes W* of an mpfr run as an exact rational
// with about 0.3 digits a bit, and readers accept at most 100 000 digits, so 300 000 bits leave
// room for the exponent. The significands of the matrices that a run converts to its arithmetic,
// about (d + 1)(S + d + 1) values (twice that for intervals), may take at most 2^33 bits (1 GiB).
inline constexpr unsigned max_theorem1_bits = 300'000;
inline constexpr double max_theorem1_significand_bits = 8'589'934'592.0;

// Throws InputError "WHERE: ..., FIX" when d, S or d·S is out of the limits above.
void check_theorem1_size(std::int64_t dim, std::int64_t samples, const std::string& where, const std::string& fix);

// Throws InputError "WHERE: ..., FIX" when `arithmetic` needs more than the precision limits
// above on a d × S instance.
void check_theorem1_precision(const ArithmeticSpec& arithmetic, std::int64_t dim, std::int64_t samples, const std::string& where,
                              const std::string& fix);

// The data of one Theorem 1 instance in exact rationals, with its moments.
struct Theorem1Problem {
  Dataset data;
  Matrix<Rational> gram;        // G = X̄X̄ᵀ, (d+1)×(d+1)
  Vector<Rational> x_times_y;   // X̄yᵀ
  Vector<Rational> x_times_one; // X̄1ᵀ
  Rational y_dot_y;             // yyᵀ
  Rational y_dot_one;           // y1ᵀ
  SpectralBounds spectrum;

  explicit Theorem1Problem(Dataset dataset);
  Eigen::Index weight_count() const { return data.dim() + 1; }
};

// W* for a start W_0: the least-squares solution nearest to W_0. Every update subtracts a
// multiple of ĝX̄ᵀ, which is a combination of the columns of X̄ written as a row. So W_k − W_0
// stays in the column space of X̄, and this W* is the only solution the iteration can reach. It
// is the unique one when X̄ has full row rank. Computed from exact normal equations: δ solves
// Gδ = X̄(y − W_0X̄)ᵀ and is projected onto the range of G; W* = W_0 + δᵀ.
RowVector<Rational> least_squares_weights_exact(const Theorem1Problem& problem, const RowVector<Rational>& start_weights);

struct Theorem1Start {
  RowVector<Rational> W;
  Vector<Rational> omega;  // (α, β, γ)
};

// W_0 and ω_0 for a start kind. paper: W = 0, ω = (−1, −1, 0), so the SG outputs 0. zero: W = 0,
// ω = 0. random: standard Gaussian entries on the grid 2^-16, drawn from `seed`.
Theorem1Start make_start(const Theorem1Problem& problem, Start start, std::uint64_t seed);

// Tolerances of the finite-horizon convergence decision, stated in every report.
struct ConvergenceTolerances {
  Rational weights_relative = Rational(1, 1'000'000);  // ‖W − W*‖ ≤ this · max(1, ‖W*‖)
  Rational omega = Rational(1, 1'000'000);             // ‖ω‖ ≤ this
  Rational xi_relative = Rational(1, 1'000'000);       // ‖ξ‖ ≤ this · max(1, ‖y‖)
};

struct RecordedStep;

struct Theorem1Config {
  ArithmeticSpec arithmetic;
  MuSchedule mu;
  NuSchedule nu;
  Theorem1Path path = Theorem1Path::samples;
  Theorem1Start start;
  std::int64_t steps = 1000;
  ConvergenceTolerances tolerances;
  // Steps kept in the recorded trajectory (always including 0 and the last step).
  std::function<bool(std::int64_t step)> record_step;
  // Called every 16 steps with the step reached; it decides itself whether to print.
  std::function<void(std::int64_t step)> progress;
  // Called with each step as soon as it is recorded. A replay compares it with the trace there
  // and throws to stop the run at the first difference.
  std::function<void(const RecordedStep& step)> on_record;
  // When set (0 ≤ halt_after < steps), the run records step halt_after and ends there, as if it
  // were cut short. A replay uses it to stop at the last step that a trace records.
  std::int64_t halt_after = -1;
};

// One recorded step: norms for display (upper bounds for intervals), and the state as text in
// the scalar's own exact notation for the trace.
struct RecordedStep {
  std::int64_t k = 0;
  double loss = 0, weights_error = 0, omega_norm = 0, xi_norm = 0, f_norm = 0;
  double mu = 0, nu = 0, q = 0;
  double max_width = 0;  // largest interval width among W and ω; 0 for point arithmetics
  std::vector<std::string> W, omega;
  std::string mu_text, nu_text;
};

struct Theorem1Run {
  std::string arithmetic;
  Evidence evidence = Evidence::numerical;
  std::int64_t steps_requested = 0;
  std::int64_t steps_done = 0;
  std::string stop_reason;  // empty when all steps were done
  bool halted = false;      // ended at config.halt_after, before its last step and with no stop reason
  std::vector<RecordedStep> trajectory;
  // At the last state: whether each quantity is within its tolerance, decided in the run's own
  // arithmetic (intervals give unknown when the enclosure straddles the threshold).
  Decision weights_within = Decision::unknown, omega_within = Decision::unknown, xi_within = Decision::unknown;
  bool diverged = false;  // non-finite values or ‖W − W*‖ beyond 10^12 · max(1, ‖W*‖)
  double weights_threshold = 0, omega_threshold = 0, xi_threshold = 0;
  // The last state as rationals (midpoints for intervals), for exact audits; empty when the
  // last state is not finite.
  RowVector<Rational> final_W;
  Vector<Rational> final_omega;
  double seconds = 0;
};

// A configuration of `steps` exact steps from `start` along the moments path, recording every step:
// the form in which counterexamples and proof steps are checked.
Theorem1Config exact_step_config(const Theorem1Start& start, const MuSchedule& mu, const NuSchedule& nu, std::int64_t steps = 1);

// The same for a run's own configuration: `base` with exact arithmetic, `start` and `steps`,
// recording every step, with no progress or record callbacks. Its schedules, path and tolerances
// stay.
Theorem1Config exact_step_config(Theorem1Config base, const Theorem1Start& start, std::int64_t steps = 1);

// Runs the iteration in scalar T. Declared for Rational, Interval, Mpfr, double and long
// double, each instantiated in its own source file.
template <class T>
Theorem1Run run_theorem1(const Theorem1Problem& problem, const RowVector<Rational>& W_star, const Theorem1Config& config);

extern template Theorem1Run run_theorem1<Rational>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);
extern template Theorem1Run run_theorem1<Interval>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);
extern template Theorem1Run run_theorem1<Mpfr>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);
extern template Theorem1Run run_theorem1<double>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);
extern template Theorem1Run run_theorem1<long double>(const Theorem1Problem&, const RowVector<Rational>&, const Theorem1Config&);

// Dispatches on config.arithmetic.
Theorem1Run run_theorem1(const Theorem1Problem& problem, const RowVector<Rational>& W_star, const Theorem1Config& config);

// W* by a stable least-squares solver in floating point, independent of the normal equations:
// complete orthogonal decomposition of X̄ᵀ in scalar T, W* = W_0 + minimum-norm solution of
// X̄ᵀδ = (y − W_0X̄)ᵀ.
template <class T>
RowVector<Rational> least_squares_weights_cod(const Theorem1Problem& problem, const RowVector<Rational>& start_weights);

extern template RowVector<Rational> least_squares_weights_cod<Mpfr>(const Theorem1Problem&, const RowVector<Rational>&);
extern template RowVector<Rational> least_squares_weights_cod<double>(const Theorem1Problem&, const RowVector<Rational>&);
extern template RowVector<Rational> least_squares_weights_cod<long double>(const Theorem1Problem&, const RowVector<Rational>&);

// W* as the run in that arithmetic uses it: exact normal equations for exact and interval runs
// (an interval run encloses the exact W*), the decomposition above for the floating-point ones.
RowVector<Rational> least_squares_weights_for(const Theorem1Problem& problem, const RowVector<Rational>& start_weights,
                                              const ArithmeticSpec& arithmetic);

}  // namespace sgverify
