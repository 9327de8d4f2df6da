#include "proofs/proposition2.hpp"

#include "data/families.hpp"
#include "numeric/arithmetic.hpp"
#include "numeric/rational.hpp"

#include <Eigen/LU>
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <map>

namespace sgverify::proofs {

namespace {

// Precision of the descent runs. The error's construction rounds at this precision, so the
// relative error may exceed ρ by a few units in the last place.
constexpr unsigned descent_bits = 128;
const double relative_error_slack = 1e-30;

Rational small_entry(Random& random) { return Rational(static_cast<int>(random.below(9)) - 4, static_cast<int>(random.below(2)) + 1); }

Vector<Rational> random_vector(Random& random, Eigen::Index dim) {
  Vector<Rational> v(dim);
  for (Eigen::Index i = 0; i < dim; ++i) v(i) = small_entry(random);
  return v;
}

Vector<Mpfr> to_mpfr(const Vector<Rational>& v) { return v.unaryExpr([](const Rational& x) { return Mpfr(x); }); }

// Determinants of every principal submatrix, exactly; the matrix is positive semidefinite iff
// all are non-negative. Exponential in the size, which stays at most 3 here.
bool is_positive_semidefinite(const Matrix<Rational>& symmetric) {
  const Eigen::Index n = symmetric.rows();
  assert(n <= 10);
  for (std::uint32_t subset = 1; subset < (1u << n); ++subset) {
    std::vector<Eigen::Index> rows;
    for (Eigen::Index i = 0; i < n; ++i)
      if (subset & (1u << i)) rows.push_back(i);
    const auto size = static_cast<Eigen::Index>(rows.size());
    Matrix<Rational> minor(size, size);
    for (Eigen::Index i = 0; i < size; ++i)
      for (Eigen::Index j = 0; j < size; ++j) minor(i, j) = symmetric(rows[static_cast<std::size_t>(i)], rows[static_cast<std::size_t>(j)]);
    if (minor.fullPivLu().determinant() < 0) return false;
  }
  return true;
}

}  // namespace

Rational curvature_bound(const Matrix<Rational>& H) {
  const SpectralBounds bounds = bound_spectrum(H);
  const Rational trace = H.trace();
  return bounds.certified && bounds.norm_upper < trace ? bounds.norm_upper : trace;
}

Rational relative_error_bound(const Rational& delta) { return (1 - delta) / (1 + delta); }

CheckVerdict check_cosine_bound(const CosineState& state) {
  CheckVerdict result;
  const Rational g_squared = state.g.squaredNorm();
  const Rational e_squared = state.e.squaredNorm();
  if (g_squared == 0 || !(state.delta > 0 && state.delta < 1) || e_squared > state.rho * state.rho * g_squared) {
    result.applicable = false;
  }
  const Vector<Rational> d = state.g + state.e;
  const Rational inner = state.g.dot(d);
  const Rational right = state.delta * state.delta * g_squared * d.squaredNorm();
  const bool holds = inner > 0 && inner * inner >= right;
  // Relative margin of (g·d)² over δ²‖g‖²‖d‖², and -1 when g·d ≤ 0 fails the conclusion outright.
  if (right != 0) result.margin = rational_to_double((inner * inner - right) / right);
  else result.margin = holds ? 1.0 : -1.0;
  if (inner <= 0) result.margin = -1;
  result.verdict = holds ? Verdict::confirmed : Verdict::refuted;
  result.detail = fmt::format("|e|/|g| = {:.6g} against rho = {}, cos(g, g+e) = {:.17g} against delta = {}",
                              std::sqrt(rational_to_double(g_squared == 0 ? Rational(0) : Rational(e_squared / g_squared))),
                              rational_to_string(state.rho),
                              (g_squared == 0 || d.squaredNorm() == 0) ? 0.0 : rational_to_double(inner) / std::sqrt(rational_to_double(g_squared * d.squaredNorm())),
                              rational_to_string(state.delta));
  return result;
}

CheckVerdict check_noise_bound(const NoiseState& state) {
  CheckVerdict result;
  const Rational frobenius_squared = state.J.squaredNorm();
  const bool spectral_bound = state.K_squared >= frobenius_squared ||
                              is_positive_semidefinite(Matrix<Rational>(state.K_squared * Matrix<Rational>::Identity(state.J.rows(), state.J.rows()) -
                                                                        state.J * state.J.transpose()));
  if (state.e.squaredNorm() > state.epsilon_squared || !spectral_bound) result.applicable = false;
  const RowVector<Rational> product = state.e * state.J;
  const Rational bound = state.epsilon_squared * state.K_squared;
  const Rational value = state.lower_error.squaredNorm();
  if (state.lower_error != product) {
    result.verdict = Verdict::refuted;
    result.margin = -1;
    result.detail = "the lower-block gradient error differs from (SG - dL/dh)·dh/dtheta";
    return result;
  }
  if (bound != 0) result.margin = rational_to_double((bound - value) / bound);
  else if (value != 0) result.margin = -1;
  result.verdict = value <= bound ? Verdict::confirmed : Verdict::refuted;
  result.detail = fmt::format("|e·J|² = {:.6g} against (K·epsilon)² = {:.6g}", rational_to_double(value), rational_to_double(bound));
  return result;
}

Matrix<Rational> linear_layer_jacobian(const Vector<Rational>& x, Eigen::Index outputs) {
  const Eigen::Index inputs = x.size();
  Matrix<Rational> J = Matrix<Rational>::Zero(outputs, outputs * inputs);
  for (Eigen::Index i = 0; i < outputs; ++i)
    for (Eigen::Index l = 0; l < inputs; ++l) J(i, i * inputs + l) = x(l);
  return J;
}

QuadraticProblem random_quadratic(Random& random, Eigen::Index dim) {
  Matrix<Rational> M(dim, dim);
  for (Eigen::Index i = 0; i < dim; ++i)
    for (Eigen::Index j = 0; j < dim; ++j) M(i, j) = small_entry(random);
  const Rational lambda = std::vector<Rational>{Rational(1, 10), Rational(1, 2), Rational(1)}[random.below(3)];
  QuadraticProblem problem;
  problem.H = M.transpose() * M + lambda * Matrix<Rational>::Identity(dim, dim);
  problem.b = random_vector(random, dim);
  problem.source = fmt::format("quadratic n = {}", dim);
  return problem;
}

QuadraticProblem regression_quadratic(const Theorem1Problem& problem) {
  return {problem.gram, problem.x_times_y, "Theorem 1 regression: " + problem.data.source};
}

DescentRun run_perturbed_descent(const QuadraticProblem& problem, const Rational& delta, const Rational& rho, ErrorDirection direction,
                                 std::int64_t cap) {
  DescentRun run;
  run.delta = delta;
  run.rho = rho;
  run.direction = direction;
  const Eigen::Index dim = problem.H.rows();
  const Matrix<Mpfr> H = problem.H.unaryExpr([](const Rational& x) { return Mpfr(x); });
  const Vector<Mpfr> b = to_mpfr(problem.b);
  // The step is set by the admissible ρ(δ), whatever the size of the error actually applied.
  const Rational admissible = relative_error_bound(delta);
  const Rational curvature = curvature_bound(problem.H);
  const Mpfr eta((1 - admissible) / (curvature * (1 + admissible) * (1 + admissible)));
  const Mpfr rho_value(rho);
  const Mpfr tangent = rho < 1 ? Mpfr(sqrt(1 - rho_value * rho_value)) : Mpfr(0);

  Vector<Mpfr> x = Vector<Mpfr>::Zero(dim);
  Vector<Mpfr> g = H * x - b;
  const Mpfr g0 = g.norm();
  double worst = 1;
  if (g0 == 0) {  // x = 0 is already the minimiser
    run.converged = true;
    run.gradient_steps.push_back(0);
    run.gradient_norms.push_back(0);
    return run;
  }
  for (std::int64_t k = 0;; ++k) {
    const Mpfr g_norm = g.norm();
    const double relative = (g_norm / g0).convert_to<double>();
    if (k < 1000 || k % 100 == 0) {
      run.gradient_steps.push_back(static_cast<double>(k));
      run.gradient_norms.push_back(relative);
    }
    if (relative <= descent_tolerance) {
      run.converged = true;
      run.iterations = k;
      break;
    }
    if (relative > divergence_factor) {
      run.diverged = true;
      run.iterations = k;
      break;
    }
    if (k == cap) {
      run.iterations = k;
      break;
    }
    Vector<Mpfr> e;
    if (direction == ErrorDirection::opposite || dim == 1) {
      e = -rho_value * g;
    } else {
      // u: the coordinate vector e_(k mod n), made orthogonal to g, or the next one if parallel.
      const Vector<Mpfr> unit_g = g / g_norm;
      Vector<Mpfr> u;
      for (Eigen::Index offset = 0; offset < dim; ++offset) {
        Vector<Mpfr> candidate = Vector<Mpfr>::Zero(dim);
        candidate((k + offset) % dim) = 1;
        candidate -= candidate.dot(unit_g) * unit_g;
        if (candidate.norm() > Mpfr(1) / 4) {
          u = candidate / candidate.norm();
          break;
        }
      }
      assert(u.size() == dim);  // some coordinate vector keeps a component of norm >= sqrt((n-1)/n) off g
      e = rho_value * g_norm * (tangent * u - rho_value * unit_g);
    }
    const Vector<Mpfr> d = g + e;
    const double cosine = (g.dot(d) / (g_norm * d.norm())).convert_to<double>();
    worst = std::min(worst, cosine);
    run.largest_relative_error = std::max(run.largest_relative_error, (e.norm() / g_norm).convert_to<double>());
    x -= eta * d;
    g = H * x - b;
  }
  run.worst_cosine = worst;
  return run;
}

CheckVerdict check_convergence(const DescentRun& run) {
  CheckVerdict result;
  result.evidence = Evidence::numerical;
  const double admissible = rational_to_double(relative_error_bound(run.delta));
  result.applicable = run.largest_relative_error <= admissible * (1 + relative_error_slack) + relative_error_slack;
  const double delta = rational_to_double(run.delta);
  result.norms = run.gradient_norms;
  result.margin = run.worst_cosine - delta;
  const std::string what = fmt::format("delta = {}, |e|/|g| up to {:.6g} (bound {:.6g}), worst cosine {:.6g}", rational_to_string(run.delta),
                                       run.largest_relative_error, admissible, run.worst_cosine);
  if (run.diverged || run.worst_cosine < delta) {
    result.verdict = Verdict::refuted;
    result.margin = std::min(result.margin, -1.0);
    result.detail = what + (run.diverged ? fmt::format(": |g_k| grew beyond {:g}·|g_0| at k = {}", divergence_factor, run.iterations) : ": a cosine fell below delta");
  } else if (run.converged) {
    result.verdict = Verdict::confirmed;
    result.detail = what + fmt::format(": |g_k| <= {:g}·|g_0| at k = {}", descent_tolerance, run.iterations);
  } else {
    result.detail = what + fmt::format(": not within {:g}·|g_0| after {} steps", descent_tolerance, run.iterations);
  }
  return result;
}

std::vector<Rational> proposition2_deltas() {
  return {Rational(1, 20), Rational(1, 10), Rational(1, 4), Rational(1, 2), Rational(3, 4), Rational(9, 10)};
}

namespace {

Vector<Rational> scaled_within(const Vector<Rational>& u, const Rational& limit_over_l1) {
  // ‖tu‖₂ ≤ t‖u‖₁ ≤ limit when t = limit/‖u‖₁.
  Rational l1 = 0;
  for (Eigen::Index i = 0; i < u.size(); ++i) l1 += u(i) < 0 ? Rational(-u(i)) : u(i);
  return l1 == 0 ? u : Vector<Rational>(u * (limit_over_l1 / l1));
}

ClaimResult summarize(const std::string& id, const std::string& statement, const std::vector<CheckVerdict>& verdicts, std::int64_t outside,
                      const std::string& summary) {
  return combine_verdicts(id, statement, verdicts, summary + fmt::format(" {} instances outside the hypotheses were counted apart.", outside));
}

}  // namespace

Proposition2Outcome run_proposition2_claims(std::uint64_t seed, std::int64_t instances) {
  set_multiprecision_bits(descent_bits);
  Proposition2Outcome outcome;
  Random random(seed);

  // P2.cosine-bound: random g, δ, and e on or inside the ball of radius ρ(δ)‖g‖, including the
  // exact boundary point of smallest cosine in the plane of a Pythagorean triple.
  std::vector<CheckVerdict> cosine;
  std::int64_t cosine_outside = 0;
  for (std::int64_t index = 0; index < instances; ++index) {
    const Eigen::Index dim = 1 + static_cast<Eigen::Index>(random.below(4));
    CosineState state;
    state.delta = Rational(1 + static_cast<int>(random.below(99)), 100);
    state.rho = relative_error_bound(state.delta);
    do state.g = random_vector(random, dim);
    while (state.g.isZero());
    Rational g_inf = 0;
    for (Eigen::Index i = 0; i < dim; ++i) g_inf = std::max(g_inf, state.g(i) < 0 ? Rational(-state.g(i)) : state.g(i));
    switch (index % 3) {
      case 0:  // inside: ‖e‖₂ ≤ ρ‖g‖∞·s ≤ ρ‖g‖₂
        state.e = scaled_within(random_vector(random, dim), state.rho * g_inf * Rational(1 + static_cast<int>(random.below(8)), 8));
        break;
      case 1:  // along −g, on the boundary
        state.e = -state.rho * state.g;
        break;
      default: {  // on the boundary in the plane of g and its quarter turn, rotated by a Pythagorean angle
        Vector<Rational> g(2);
        g << state.g(0), (dim > 1 ? state.g(1) : Rational(1));
        if (g.isZero()) g(0) = 1;
        const int a = 1 + static_cast<int>(random.below(6)), b = 1 + static_cast<int>(random.below(6));
        const Rational cosine_part(a * a - b * b, a * a + b * b), sine_part(2 * a * b, a * a + b * b);
        Vector<Rational> quarter(2);
        quarter << -g(1), g(0);
        state.g = g;
        state.e = state.rho * (-cosine_part * g + sine_part * quarter);
      }
    }
    CheckVerdict verdict = check_cosine_bound(state);
    if (!verdict.applicable) {
      ++cosine_outside;
      continue;
    }
    cosine.push_back(verdict);
  }
  outcome.claims.push_back(summarize("P2.cosine-bound", "|e| <= ((1 - delta)/(1 + delta))|g| implies cos(g, g + e) >= delta", cosine, cosine_outside,
                                     fmt::format("{} exact instances: delta in 1/100..99/100, n <= 4, e inside the ball, along -g, or on its "
                                                 "boundary at a Pythagorean angle; the smallest relative margin of (g·d)² over delta²|g|²|d|² is shown.",
                                                 cosine.size())));

  // P2.noise-bound: random J, or the Jacobian of a linear layer, and e within ε.
  std::vector<CheckVerdict> noise;
  std::int64_t noise_outside = 0;
  for (std::int64_t index = 0; index < instances; ++index) {
    NoiseState state;
    const Eigen::Index m = 1 + static_cast<Eigen::Index>(random.below(3));
    if (index % 2 == 0) {
      const Vector<Rational> x = random_vector(random, 1 + static_cast<Eigen::Index>(random.below(3)));
      state.J = linear_layer_jacobian(x, m);
      state.K_squared = x.squaredNorm();  // the spectral norm of this J is ‖x‖
    } else {
      state.J.resize(m, 1 + static_cast<Eigen::Index>(random.below(4)));
      for (Eigen::Index i = 0; i < state.J.rows(); ++i)
        for (Eigen::Index j = 0; j < state.J.cols(); ++j) state.J(i, j) = small_entry(random);
      state.K_squared = state.J.squaredNorm() * Rational(1 + static_cast<int>(random.below(4)), 4);
    }
    state.e = random_vector(random, m).transpose();
    state.epsilon_squared = state.e.squaredNorm() * Rational(4 + static_cast<int>(random.below(4)), 4);
    state.lower_error = state.e * state.J;
    CheckVerdict verdict = check_noise_bound(state);
    if (!verdict.applicable) {
      ++noise_outside;
      continue;
    }
    noise.push_back(verdict);
  }
  outcome.claims.push_back(summarize("P2.noise-bound", "|SG - dL/dh| <= epsilon and |dh/dtheta| <= K imply |(SG - dL/dh) dh/dtheta| <= K·epsilon", noise,
                                     noise_outside,
                                     fmt::format("{} exact instances: J the Jacobian of a linear layer h = Wx (K = |x|) or a random matrix with "
                                                 "K² from 1/4 to 1 times |J|_F², kept only when K bounds the spectral norm (decided exactly).",
                                                 noise.size())));

  // P2.convergence: per δ, random quadratics and Theorem 1 regressions with the adversarial error.
  std::vector<CheckVerdict> convergence;
  std::int64_t convergence_outside = 0;
  const std::int64_t per_delta = std::max<std::int64_t>(1, std::min<std::int64_t>(instances / 20, 10));
  for (const Rational& delta : proposition2_deltas()) {
    const Rational rho = relative_error_bound(delta);
    for (const std::string family : {"quadratic", "regression"}) {
      DescentRow row{delta, family};
      double iteration_sum = 0;
      for (std::int64_t index = 0; index < per_delta; ++index) {
        QuadraticProblem problem;
        if (std::string(family) == "quadratic") {
          problem = random_quadratic(random, 2 + static_cast<Eigen::Index>(random.below(3)));
        } else {
          FamilySpec spec;
          spec.family = Family::regression;
          spec.dim = 1 + static_cast<Eigen::Index>(random.below(3));
          spec.samples = 20;
          spec.noise = Rational(1, 2);
          spec.seed = random.next();
          problem = regression_quadratic(Theorem1Problem(make_family_dataset(spec)));
        }
        const DescentRun run = run_perturbed_descent(problem, delta, rho, ErrorDirection::minimum_cosine);
        CheckVerdict verdict = check_convergence(run);
        if (index == 0 && std::string(family) == "quadratic") {
          outcome.curves.push_back({fmt::format("delta = {} ({})", rational_to_string(delta), problem.source), run.gradient_steps, run.gradient_norms});
        }
        if (!verdict.applicable) {
          ++convergence_outside;
          continue;
        }
        ++row.runs;
        row.worst_cosine = std::min(row.worst_cosine, run.worst_cosine);
        row.max_iterations = std::max(row.max_iterations, run.iterations);
        iteration_sum += static_cast<double>(run.iterations);
        convergence.push_back(std::move(verdict));
      }
      row.mean_iterations = row.runs == 0 ? 0 : iteration_sum / static_cast<double>(row.runs);
      outcome.rows.push_back(row);
    }
  }
  outcome.claims.push_back(summarize("P2.convergence",
                                     "gradient descent whose gradient has an error of relative size up to (1 - delta)/(1 + delta) converges on convex quadratics and on "
                                     "Theorem 1's linear regression",
                                     convergence, convergence_outside,
                                     fmt::format("{} runs in MPFR at {} bits, {} per delta and family, deltas 1/20 to 9/10: the error has relative size "
                                                 "exactly (1 - delta)/(1 + delta) and the direction of smallest cosine, turning every step; the step is "
                                                 "(1 - rho)/(L(1 + rho)²) with L a proved upper bound of |H| (or trace(H)); converged means |g_k| <= {:g}·|g_0| within {} steps.",
                                                 convergence.size(), descent_bits, per_delta, descent_tolerance, descent_cap)));
  return outcome;
}

}  // namespace sgverify::proofs
