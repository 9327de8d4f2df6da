#include "proofs/theorem1.hpp"

#include "io/input_error.hpp"
#include "models/theorem1_impl.hpp"
#include "numeric/rational.hpp"

#include <Eigen/LU>
#include <fmt/format.h>

namespace sgverify::proofs {

namespace {

Matrix<Rational> matrix_A(const RowVector<Rational>& p, const RowVector<Rational>& y) {
  Matrix<Rational> A(p.size(), 3);
  A.col(0) = p.transpose();
  A.col(1) = -y.transpose();
  A.col(2).setConstant(Rational(1));
  return A;
}

// Orthogonal projector onto the column space of X̄ᵀ (the range of B): Q(QᵀQ)⁻¹Qᵀ, with Q a
// basis of that space taken from X̄ᵀ's own columns.
Matrix<Rational> range_projector(const Matrix<Rational>& X_bar) {
  const Matrix<Rational> design = X_bar.transpose();
  const Eigen::FullPivLU<Matrix<Rational>> lu(design);
  const Matrix<Rational> basis = lu.image(design);
  const Matrix<Rational> normal = basis.transpose() * basis;
  return basis * normal.fullPivLu().inverse() * basis.transpose();
}

}  // namespace

ExactStep compute_step(const AuditInstance& instance) {
  ExactStep step;
  step.W = instance.W;
  const Theorem1Problem problem(instance.data);
  step.spectrum = problem.spectrum;
  step.full_rank = problem.spectrum.rank == problem.weight_count();
  step.X_bar = instance.data.augmented();
  step.B = step.X_bar.transpose() * step.X_bar;
  step.P = range_projector(step.X_bar);
  step.y = instance.data.y;
  step.omega = instance.omega;
  step.p = instance.W * step.X_bar;
  step.e = (step.y - step.p).transpose();
  step.f = step.P * step.e;
  step.A = matrix_A(step.p, step.y);
  step.xi = step.A * step.omega;
  step.At_xi = step.A.transpose() * step.xi;
  step.AAt_xi = step.A * step.At_xi;
  step.xi_is_zero = step.xi.isZero();

  const Theorem1Moments<Rational> moments(problem, Theorem1Path::moments);
  const Theorem1Quantities<Rational> quantities(moments, instance.W, instance.omega, Theorem1Path::moments);
  const Theorem1StepSizes<Rational> sizes = choose_step_sizes(quantities, instance.mu, instance.nu, problem.spectrum);
  step.failure = sizes.failure;
  step.nu = sizes.nu;
  step.q = sizes.q;
  step.mu = sizes.mu;

  // The library's step from (W_k, ω_k): both updates use p_k.
  Theorem1Config config = exact_step_config(Theorem1Start{instance.W, instance.omega}, instance.mu, instance.nu);
  config.record_step = [](std::int64_t) { return false; };  // only the states are needed
  const Theorem1Run run = run_theorem1<Rational>(problem, instance.W, config);
  step.W_next = run.final_W;
  step.omega_next = run.final_omega;
  step.p_next = step.W_next * step.X_bar;
  step.e_next = (step.y - step.p_next).transpose();
  step.f_next = step.P * step.e_next;
  step.A_next = matrix_A(step.p_next, step.y);
  step.xi_next_true = step.A_next * step.omega_next;
  step.xi_next_proof = step.xi - step.nu * step.AAt_xi;
  return step;
}

namespace {

// Exact equality of two vectors: confirmed, or refuted with the largest difference as margin.
template <class Left, class Right>
StepVerdict exact_equality(const Left& left, const Right& right, const std::string& what) {
  StepVerdict verdict;
  verdict.evidence = Evidence::exact;
  Rational largest(0);
  for (Eigen::Index i = 0; i < left.size(); ++i) {
    const Rational difference = abs(Rational(left(i) - right(i)));
    if (difference > largest) largest = difference;
  }
  verdict.verdict = largest == 0 ? Verdict::confirmed : Verdict::refuted;
  verdict.margin = -rational_to_double(largest);
  verdict.detail = largest == 0 ? what + " holds exactly" : fmt::format("{} fails: largest difference {:.6g}", what, -verdict.margin);
  return verdict;
}

StepVerdict not_applicable(const std::string& why) {
  StepVerdict verdict;
  verdict.verdict = Verdict::inconclusive;
  verdict.detail = "hypothesis not met: " + why;
  verdict.margin = 0;
  verdict.applicable = false;
  return verdict;
}

// Certified decision of value < bound (strict) or value ≤ bound, for two enclosures.
StepVerdict certified_less(const Interval& value, const Interval& bound, bool strict, const std::string& what) {
  StepVerdict verdict;
  verdict.evidence = Evidence::certified;
  // Relative to the bound, so that states near convergence, where every norm is tiny, compare fairly.
  const double bound_size = std::abs(median(bound).convert_to<double>());
  const double scale = bound_size > 0 ? bound_size : 1.0;
  verdict.margin = (median(bound) - median(value)).convert_to<double>() / scale;
  const bool holds = strict ? upper(value) < lower(bound) : upper(value) <= lower(bound);
  const bool fails = strict ? lower(value) >= upper(bound) : lower(value) > upper(bound);
  verdict.verdict = holds ? Verdict::confirmed : fails ? Verdict::refuted : Verdict::inconclusive;
  verdict.detail = fmt::format("{}: value {:.12g} against bound {:.12g}{}", what, median(value).convert_to<double>(),
                               median(bound).convert_to<double>(),
                               holds || fails ? "" : " (the enclosures overlap, so the comparison is undecided)");
  return verdict;
}

Interval enclose(const Rational& value) { return Interval(value); }

Interval root(const Rational& squared) { return sqrt(Interval(squared)); }

// Enclosure of the interval [low, high] of two rationals (low ≤ high).
Interval hull(const Rational& low, const Rational& high) {
  return Interval(Mpfr(lower(enclose(low))), Mpfr(upper(enclose(high))));
}

// c = 1 − 2μb + μ²‖B‖² over b ∈ [b_lower, b_upper] and ‖B‖ ∈ [norm_lower, norm_upper]: its
// smallest value takes the largest b and the smallest ‖B‖.
std::pair<Rational, Rational> contraction_factor_range(const ExactStep& step) {
  const SpectralBounds& s = step.spectrum;
  const Rational low = 1 - 2 * step.mu * s.b_upper + step.mu * step.mu * s.norm_lower * s.norm_lower;
  const Rational high = 1 - 2 * step.mu * s.b_lower + step.mu * step.mu * s.norm_upper * s.norm_upper;
  return {low, high};
}

// T1.sg-gradient: ∂E/∂α = Σ(αp^s − βy^s + γ)p^s, ∂E/∂β = −Σ(…)y^s, ∂E/∂γ = Σ(…) equal Aᵀξ.
StepVerdict check_sg_gradient(const ExactStep& step) {
  Vector<Rational> sums = Vector<Rational>::Zero(3);
  for (Eigen::Index s = 0; s < step.p.size(); ++s) {
    const Rational inner = step.omega(0) * step.p(s) - step.omega(1) * step.y(s) + step.omega(2);
    sums(0) += inner * step.p(s);
    sums(1) -= inner * step.y(s);
    sums(2) += inner;
  }
  return exact_equality(sums, step.At_xi, "component sums = A^T xi");
}

// T1.matrix-form: the paper's component-wise updates equal the matrix form W − μĝX̄ᵀ, ω − νAᵀAω.
StepVerdict check_matrix_form(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  RowVector<Rational> W = step.W;
  Vector<Rational> omega = step.omega;
  for (Eigen::Index s = 0; s < step.p.size(); ++s) {
    const Rational synthetic = (step.omega(0) + 1) * step.p(s) - (step.omega(1) + 1) * step.y(s) + step.omega(2);
    W -= step.mu * synthetic * step.X_bar.col(s).transpose();
    const Rational inner = step.omega(0) * step.p(s) - step.omega(1) * step.y(s) + step.omega(2);
    omega(0) -= step.nu * inner * step.p(s);
    omega(1) += step.nu * inner * step.y(s);
    omega(2) -= step.nu * inner;
  }
  Vector<Rational> expected(W.size() + 3), actual(W.size() + 3);
  expected << W.transpose(), omega;
  actual << step.W_next.transpose(), step.omega_next;
  return exact_equality(actual, expected, "matrix-form step = component-wise step");
}

// T1.invariant-subspace: ω_k = 0 implies ω_{k+1} = 0. Its `adjust` sets the instance's ω to 0.
StepVerdict check_invariant_subspace(const ExactStep& step) {
  if (!step.omega.isZero()) return not_applicable("omega_k != 0");
  return exact_equality(step.omega_next, Vector<Rational>::Zero(3), "omega_{k+1} = 0");
}

AuditInstance with_zero_omega(const AuditInstance& instance) {
  AuditInstance at_zero = instance;
  at_zero.omega = Vector<Rational>::Zero(3);
  return at_zero;
}

// T1.p-update: p_{k+1} = p_k − μp_kB + μyB − μω_kᵀA_kᵀB.
StepVerdict check_p_update(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  const RowVector<Rational> expected =
      step.p - step.mu * step.p * step.B + step.mu * step.y * step.B - step.mu * step.omega.transpose() * step.A.transpose() * step.B;
  return exact_equality(step.p_next, expected, "p-update");
}

// T1.e-update: e_{k+1} = e_k − μBe_k + μBξ_k.
StepVerdict check_e_update(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  const Vector<Rational> expected = step.e - step.mu * step.B * step.e + step.mu * step.B * step.xi;
  return exact_equality(step.e_next, expected, "e-update");
}

// T1.xi-recursion: ξ_{k+1} = ξ_k − ν_kA_kA_kᵀξ_k with ξ_{k+1} = A_{k+1}ω_{k+1}.
StepVerdict check_xi_recursion(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  return exact_equality(step.xi_next_true, step.xi_next_proof, "A_{k+1} omega_{k+1} = xi_k - nu A_k A_k^T xi_k");
}

// T1.xi-recursion-frozen-A (restricted form): A_kω_{k+1} = ξ_k − ν_kA_kA_kᵀξ_k, with A held at step k.
StepVerdict check_xi_recursion_frozen(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  return exact_equality(Vector<Rational>(step.A * step.omega_next), step.xi_next_proof, "A_k omega_{k+1} = xi_k - nu A_k A_k^T xi_k");
}

// T1.residue-invariant: e_{k+1}^⊥ = e_k^⊥, with e^⊥ = (I − P)e.
StepVerdict check_residue_invariant(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  return exact_equality(Vector<Rational>(step.e_next - step.f_next), Vector<Rational>(step.e - step.f), "e_perp unchanged");
}

// T1.xi-norm-identity: ‖ξ − νAAᵀξ‖² = ‖ξ‖² − 2ν‖Aᵀξ‖² + ν²‖AAᵀξ‖², for the instance's ν.
StepVerdict check_xi_norm_identity(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  Vector<Rational> left(1), right(1);
  left << step.xi_next_proof.squaredNorm();
  right << step.xi.squaredNorm() - 2 * step.nu * step.At_xi.squaredNorm() + step.nu * step.nu * step.AAt_xi.squaredNorm();
  return exact_equality(left, right, "norm identity");
}

// T1.line-search-minimum: ν_k = ‖Aᵀξ‖²/‖AAᵀξ‖² minimises ‖ξ − νAAᵀξ‖², whose minimum is
// (1 − q_k)‖ξ‖², and 0 ≤ q_k ≤ 1. Hypothesis: ξ_k ≠ 0.
StepVerdict check_line_search_minimum(const ExactStep& step) {
  if (step.xi_is_zero) return not_applicable("xi_k = 0, so nu_k = 0 and q_k is 0/0");
  const Rational gradient_squared = step.At_xi.squaredNorm();
  const Rational image_squared = step.AAt_xi.squaredNorm();
  const Rational xi_squared = step.xi.squaredNorm();
  const Rational nu = gradient_squared / image_squared;
  const Rational q = gradient_squared * gradient_squared / (image_squared * xi_squared);
  // g(ν) = ‖ξ − νAAᵀξ‖², computed from the vectors themselves: g'(ν) = −2ξᵀAAᵀξ + 2ν‖AAᵀξ‖²,
  // which vanishes at ν_k because ξᵀAAᵀξ = ‖Aᵀξ‖²; g'' = 2‖AAᵀξ‖² > 0 makes it the minimum.
  const Rational derivative = -2 * step.xi.dot(step.AAt_xi) + 2 * nu * image_squared;
  const Rational minimum = Vector<Rational>(step.xi - nu * step.AAt_xi).squaredNorm();
  Vector<Rational> left(2), right(2);
  left << derivative, minimum;
  right << Rational(0), (1 - q) * xi_squared;
  StepVerdict verdict = exact_equality(left, right, "g'(nu_k) = 0 and g(nu_k) = (1 - q_k)||xi||^2");
  if (verdict.verdict == Verdict::confirmed && (q < 0 || q > 1 || image_squared <= 0)) {
    verdict.verdict = Verdict::refuted;
    verdict.detail = fmt::format("q_k = {:.6g} lies outside [0, 1]", rational_to_double(q));
    verdict.margin = -std::abs(rational_to_double(q));
  }
  return verdict;
}

// T1.nonzero-chain: ξ_k ≠ 0 implies A_kᵀξ_k ≠ 0 and A_kA_kᵀξ_k ≠ 0.
StepVerdict check_nonzero_chain(const ExactStep& step) {
  if (step.xi_is_zero) return not_applicable("xi_k = 0");
  StepVerdict verdict;
  const Vector<Rational> At_xi = step.A.transpose() * step.xi;
  const bool holds = !At_xi.isZero() && !Vector<Rational>(step.A * At_xi).isZero();
  verdict.verdict = holds ? Verdict::confirmed : Verdict::refuted;
  verdict.margin = holds ? rational_to_double(step.AAt_xi.squaredNorm()) : -1;
  verdict.detail = holds ? "A^T xi and A A^T xi are nonzero" : "xi != 0 but A^T xi or A A^T xi is 0";
  return verdict;
}

// T1.f-contraction: ‖f − μBf‖² ≤ (1 − 2μb + μ²‖B‖²)‖f‖². Hypothesis: G has full rank, so that
// b and its proved bounds are those of the smallest eigenvalue.
StepVerdict check_f_contraction(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  if (!step.full_rank) return not_applicable("X-bar has no full row rank, so b is not proved");
  const Rational left = Vector<Rational>(step.f - step.mu * step.B * step.f).squaredNorm();
  const auto [low, high] = contraction_factor_range(step);
  const Rational f_squared = step.f.squaredNorm();
  return certified_less(enclose(left), hull(low * f_squared, high * f_squared), false, "||f - mu B f||^2 <= c ||f||^2");
}

// T1.f-step-bound: ‖f_{k+1}‖ ≤ √(1 − 2μb + μ²‖B‖²)‖f_k‖ + μ‖B‖‖ξ_k‖.
StepVerdict check_f_step_bound(const ExactStep& step) {
  if (!step.failure.empty()) return not_applicable(step.failure);
  if (!step.full_rank) return not_applicable("X-bar has no full row rank, so b is not proved");
  const auto [low, high] = contraction_factor_range(step);
  const Interval factor = sqrt(hull(low < 0 ? Rational(0) : low, high < 0 ? Rational(0) : high));
  const Interval norm = hull(step.spectrum.norm_lower, step.spectrum.norm_upper);
  const Interval bound = factor * root(step.f.squaredNorm()) + enclose(step.mu) * norm * root(step.xi.squaredNorm());
  return certified_less(root(step.f_next.squaredNorm()), bound, false, "||f_{k+1}|| <= sqrt(c) ||f_k|| + mu ||B|| ||xi_k||");
}

// T1.sqrt-bound: √(1 − h) ≤ 1 − h/2 for h ∈ [0, 1], at h = q_k. Both sides are non-negative, so
// it is equivalent to (1 − h/2)² − (1 − h) = h²/4 ≥ 0, decided exactly.
StepVerdict check_sqrt_bound(const ExactStep& step) {
  if (step.xi_is_zero) return not_applicable("xi_k = 0, so q_k is undefined");
  const Rational h = step.At_xi.squaredNorm() * step.At_xi.squaredNorm() / (step.AAt_xi.squaredNorm() * step.xi.squaredNorm());
  if (h < 0 || h > 1) return not_applicable("h = q_k lies outside [0, 1]");
  StepVerdict verdict;
  const Rational right = 1 - h / 2;
  const Rational gap = right * right - (1 - h);
  verdict.verdict = gap >= 0 && right >= 0 ? Verdict::confirmed : Verdict::refuted;
  verdict.margin = rational_to_double(gap);
  verdict.detail = fmt::format("(1 - h/2)^2 - (1 - h) = {:.6g} at h = {:.6g}", verdict.margin, rational_to_double(h));
  return verdict;
}

// T1.combined-decrease and its variants: ‖f_{k+1}‖ + ‖ξ_{k+1}‖ < ‖f_k‖ + ‖ξ_k‖, on an instance that
// `with_bound_schedule` adjusted. `true_xi` takes ξ_{k+1} = A_{k+1}ω_{k+1}, otherwise the proof's
// recursion ξ_k − ν_kA_kA_kᵀξ_k. Hypotheses: ξ_k ≠ 0 (so q_k is defined) and full rank.
StepVerdict check_combined_decrease(const ExactStep& step, bool true_xi) {
  if (step.xi_is_zero) return not_applicable("xi_k = 0, so q_k is undefined");
  if (!step.full_rank) return not_applicable("X-bar has no full row rank, so b is not proved");
  if (!step.failure.empty()) return not_applicable(step.failure);
  const Vector<Rational>& xi_next = true_xi ? step.xi_next_true : step.xi_next_proof;
  const Interval before = root(step.f.squaredNorm()) + root(step.xi.squaredNorm());
  const Interval after = root(step.f_next.squaredNorm()) + root(xi_next.squaredNorm());
  return certified_less(after, before, true, "||f_{k+1}|| + ||xi_{k+1}|| < ||f_k|| + ||xi_k||");
}

// The hypotheses of the combined decrease: the line-search ν and μ_k = θ·μ̄_k from the named
// bound (θ of the instance's bound schedule, or 1/2 when the instance has a fixed μ).
std::function<AuditInstance(const AuditInstance&)> with_bound_schedule(MuSchedule::Kind bound) {
  return [bound](const AuditInstance& instance) {
    AuditInstance scheduled = instance;
    const Rational theta = instance.mu.kind == MuSchedule::Kind::fixed ? Rational(1, 2) : instance.mu.value;
    scheduled.mu = MuSchedule{bound, theta};
    scheduled.nu = NuSchedule{true, 0};
    return scheduled;
  };
}

std::vector<ProofStep> make_steps() {
  using Kind = MuSchedule::Kind;
  return {
      {"T1.sg-gradient", "The partial derivatives of E are the paper's sums, which equal A^T xi", Evidence::exact, check_sg_gradient},
      {"T1.matrix-form", "The component-wise updates equal the matrix form", Evidence::exact, check_matrix_form},
      {"T1.invariant-subspace", "omega_k = 0 implies omega_{k+1} = 0 for any mu and nu", Evidence::exact, check_invariant_subspace, with_zero_omega, "zero-omega"},
      {"T1.p-update", "p_{k+1} = p_k - mu p_k B + mu y B - mu omega_k^T A_k^T B", Evidence::exact, check_p_update},
      {"T1.e-update", "e_{k+1} = e_k - mu B e_k + mu B xi_k", Evidence::exact, check_e_update},
      {"T1.xi-recursion", "xi_{k+1} = xi_k - nu_k A_k A_k^T xi_k, where xi_{k+1} means A_{k+1} omega_{k+1}", Evidence::exact,
       check_xi_recursion},
      {"T1.xi-recursion-frozen-A", "Restricted form: A_k omega_{k+1} = xi_k - nu_k A_k A_k^T xi_k (A held at step k)", Evidence::exact,
       check_xi_recursion_frozen},
      {"T1.residue-invariant", "e_{k+1}^perp = e_k^perp", Evidence::exact, check_residue_invariant},
      {"T1.xi-norm-identity", "||xi - nu A A^T xi||^2 = ||xi||^2 - 2 nu ||A^T xi||^2 + nu^2 ||A A^T xi||^2", Evidence::exact,
       check_xi_norm_identity},
      {"T1.line-search-minimum", "nu_k minimises the quadratic, its minimum is (1 - q_k)||xi_k||^2, and 0 <= q_k <= 1", Evidence::exact,
       check_line_search_minimum},
      {"T1.nonzero-chain", "xi_k != 0 implies A_k^T xi_k != 0 and A_k A_k^T xi_k != 0", Evidence::exact, check_nonzero_chain},
      {"T1.f-contraction", "||f_k - mu B f_k||^2 <= (1 - 2 mu b + mu^2 ||B||^2) ||f_k||^2", Evidence::certified, check_f_contraction},
      {"T1.f-step-bound", "||f_{k+1}|| <= sqrt(1 - 2 mu b + mu^2 ||B||^2) ||f_k|| + mu ||B|| ||xi_k||", Evidence::certified,
       check_f_step_bound},
      {"T1.sqrt-bound", "sqrt(1 - h) <= 1 - h/2 for h in [0, 1]", Evidence::exact, check_sqrt_bound},
      {"T1.combined-decrease", "With mu_k below the bound-derived bound, ||f_{k+1}|| + ||xi_{k+1}|| < ||f_k|| + ||xi_k|| (proof's xi_{k+1})",
       Evidence::certified, [](const ExactStep& s) { return check_combined_decrease(s, false); }, with_bound_schedule(Kind::bound_derived),
       "bound-derived"},
      {"T1.combined-decrease-true-xi", "The same with the true xi_{k+1} = A_{k+1} omega_{k+1} (bound-derived)", Evidence::certified,
       [](const ExactStep& s) { return check_combined_decrease(s, true); }, with_bound_schedule(Kind::bound_derived), "bound-derived"},
      {"T1.combined-decrease-literal", "The same with the bound-literal schedule (proof's xi_{k+1})", Evidence::certified,
       [](const ExactStep& s) { return check_combined_decrease(s, false); }, with_bound_schedule(Kind::bound_literal), "bound-literal"},
      {"T1.combined-decrease-literal-true-xi", "The same with the bound-literal schedule and the true xi_{k+1}", Evidence::certified,
       [](const ExactStep& s) { return check_combined_decrease(s, true); }, with_bound_schedule(Kind::bound_literal), "bound-literal"},
  };
}

}  // namespace

StepVerdict check_step(const ProofStep& step, const AuditInstance& instance) {
  return step.check(compute_step(step.adjust ? step.adjust(instance) : instance));
}

const std::vector<ProofStep>& theorem1_steps() {
  static const std::vector<ProofStep> steps = make_steps();
  return steps;
}

std::string theorem1_step_ids() {
  std::string ids;
  for (const ProofStep& step : theorem1_steps()) ids += (ids.empty() ? "" : ", ") + step.id;
  return ids;
}

const ProofStep& find_theorem1_step(const std::string& id) {
  for (const ProofStep& step : theorem1_steps()) {
    if (step.id == id) return step;
  }
  throw InputError("unknown claim '" + shortened(id) + "': use one of " + theorem1_step_ids() + ", T1.global-solution, T1.global-attraction");
}

}  // namespace sgverify::proofs
