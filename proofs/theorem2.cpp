#include "proofs/theorem2.hpp"

#include "io/input_error.hpp"
#include "numeric/arithmetic.hpp"
#include "numeric/rational.hpp"

#include <Eigen/LU>
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <map>

namespace sgverify::proofs {

namespace {

// Horizon of T2.limit: the slowest generated map (φ = 1/(1 + ‖x‖₁/2) from ‖x₀‖₁ = ½) needs
// about 400 steps to reach limit_tolerance, so 5000 leaves a wide margin.
constexpr std::int64_t limit_horizon = 5000;
// Precision of the maps that are not rational (`slow`).
constexpr unsigned mpfr_bits = 256;

template <class T>
T absolute(const T& value) {
  return value < 0 ? T(-value) : value;
}

Rational pick(Random& random, const std::vector<Rational>& choices) { return choices[random.below(choices.size())]; }

Rational small_entry(Random& random) { return Rational(static_cast<int>(random.below(9)) - 4, static_cast<int>(random.below(2)) + 1); }

Matrix<Rational> signed_permutation(Random& random, Eigen::Index dim) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(dim));
  for (Eigen::Index i = 0; i < dim; ++i) order[static_cast<std::size_t>(i)] = i;
  for (Eigen::Index i = dim - 1; i > 0; --i) std::swap(order[static_cast<std::size_t>(i)], order[random.below(static_cast<std::uint64_t>(i) + 1)]);
  Matrix<Rational> P = Matrix<Rational>::Zero(dim, dim);
  for (Eigen::Index i = 0; i < dim; ++i) P(i, order[static_cast<std::size_t>(i)]) = random.below(2) == 0 ? 1 : -1;
  return P;
}

// A rational orthogonal matrix: the Cayley transform (I − S)(I + S)⁻¹ of a random skew S.
// I + S is invertible because the eigenvalues of S are imaginary.
Matrix<Rational> cayley_rotation(Random& random, Eigen::Index dim) {
  Matrix<Rational> S = Matrix<Rational>::Zero(dim, dim);
  for (Eigen::Index i = 0; i < dim; ++i)
    for (Eigen::Index j = i + 1; j < dim; ++j) {
      S(i, j) = small_entry(random) / 2;
      S(j, i) = -S(i, j);
    }
  const Matrix<Rational> identity = Matrix<Rational>::Identity(dim, dim);
  const Matrix<Rational> inverse = Matrix<Rational>(identity + S).fullPivLu().inverse();
  const Matrix<Rational> Q = (identity - S) * inverse;
  assert(Matrix<Rational>(Q.transpose() * Q) == identity);
  return Q;
}

Rational max_column_sum(const Matrix<Rational>& M) {
  Rational largest = 0;
  for (Eigen::Index j = 0; j < M.cols(); ++j) {
    Rational sum = 0;
    for (Eigen::Index i = 0; i < M.rows(); ++i) sum += absolute(M(i, j));
    largest = std::max(largest, sum);
  }
  return largest;
}

Rational sum_of_absolute_entries(const Matrix<Rational>& M) {
  Rational sum = 0;
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index j = 0; j < M.cols(); ++j) sum += absolute(M(i, j));
  return sum;
}

Matrix<Rational> random_matrix(Random& random, Eigen::Index rows, Eigen::Index cols) {
  Matrix<Rational> M(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) M(i, j) = small_entry(random);
  return M;
}

// M scaled so that its operator norm under `norm` is at most `bound` < 1. ℓ1: the largest
// column sum; ℓ∞: the largest row sum; ℓ2: 2‖M‖_F/(1 + ‖M‖_F²) ≤ 1 (AM–GM), times the bound;
// pair: the block-triangular [[A, B], [0, C]] with ‖A‖₁ ≤ ½·bound, Σ|Bᵢⱼ| ≤ ¼·bound and
// ‖C‖∞ ≤ ½·bound, so ‖Au + Bv‖₁ + ‖Cv‖∞ ≤ bound·(‖u‖₁ + ‖v‖∞).
Matrix<Rational> contracting_matrix(Random& random, NormKind norm, Eigen::Index dim, const Rational& bound) {
  const auto scaled = [](Matrix<Rational> M, const Rational& size, const Rational& target) {
    if (size != 0) M *= target / size;
    return M;
  };
  switch (norm) {
    case NormKind::l1: {
      const Matrix<Rational> M = random_matrix(random, dim, dim);
      return scaled(M, max_column_sum(M), bound);
    }
    case NormKind::linf: {
      const Matrix<Rational> M = random_matrix(random, dim, dim);
      return scaled(M, max_column_sum(M.transpose()), bound);
    }
    case NormKind::l2: {
      const Matrix<Rational> M = random_matrix(random, dim, dim);
      const Rational frobenius_squared = M.squaredNorm();
      return Matrix<Rational>(M * (bound * 2 / (1 + frobenius_squared)));
    }
    case NormKind::pair: {
      const Eigen::Index half = dim / 2;
      Matrix<Rational> M = Matrix<Rational>::Zero(dim, dim);
      const Matrix<Rational> A = random_matrix(random, half, half), B = random_matrix(random, half, half),
                             C = random_matrix(random, half, half);
      M.topLeftCorner(half, half) = scaled(A, max_column_sum(A), bound / 2);
      M.topRightCorner(half, half) = scaled(B, sum_of_absolute_entries(B), bound / 4);
      M.bottomRightCorner(half, half) = scaled(C, max_column_sum(C.transpose()), bound / 2);
      return M;
    }
  }
  return {};
}

template <class T>
Vector<T> apply_core(const ContractionMap& map, const Vector<T>& x) {
  switch (map.core) {
    case Core::identity:
      return x;
    case Core::coordinatewise:
      return x.unaryExpr([](const T& entry) { return T(entry / (1 + absolute(entry))); });
    case Core::linear: {
      Matrix<T> M(map.M.rows(), map.M.cols());
      for (Eigen::Index i = 0; i < M.rows(); ++i)
        for (Eigen::Index j = 0; j < M.cols(); ++j) M(i, j) = T(map.M(i, j));
      return M * x;
    }
  }
  return x;
}

template <class T>
Vector<T> apply_isometry(const Matrix<Rational>& Q, const Vector<T>& x) {
  Vector<T> result = Vector<T>::Zero(x.size());
  for (Eigen::Index i = 0; i < Q.rows(); ++i)
    for (Eigen::Index j = 0; j < Q.cols(); ++j)
      if (Q(i, j) != 0) result(i) += T(Q(i, j)) * x(j);
  return result;
}

Rational l1_norm(const Vector<Rational>& x) {
  Rational sum = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) sum += absolute(x(i));
  return sum;
}

Mpfr true_norm(const Vector<Mpfr>& x, NormKind norm) {
  const Mpfr measure = norm_measure(x, norm);
  return norm == NormKind::l2 ? Mpfr(sqrt(measure)) : measure;
}

double to_double(const Rational& value) { return rational_to_double(value); }

Rational measure_bound(const Rational& norm_bound, NormKind norm) { return norm == NormKind::l2 ? norm_bound * norm_bound : norm_bound; }

}  // namespace

std::string to_string(NormKind norm) {
  switch (norm) {
    case NormKind::l1:
      return "l1";
    case NormKind::l2:
      return "l2";
    case NormKind::linf:
      return "linf";
    case NormKind::pair:
      break;
  }
  return "pair";
}

NormKind parse_norm_kind(const std::string& text) {
  for (NormKind norm : {NormKind::l1, NormKind::l2, NormKind::linf, NormKind::pair})
    if (to_string(norm) == text) return norm;
  throw InputError("invalid norm '" + shortened(text) + "': use l1, l2, linf or pair");
}

std::string to_string(Factor factor) {
  switch (factor) {
    case Factor::none:
      return "1";
    case Factor::constant:
      return "c";
    case Factor::inverse:
      return "1/(1+k|x|_1)";
    case Factor::slow:
      break;
  }
  return "(1+|x|)/(1+2|x|)";
}

std::string to_string(Core core) {
  switch (core) {
    case Core::identity:
      return "x";
    case Core::coordinatewise:
      return "x_i/(1+|x_i|)";
    case Core::linear:
      break;
  }
  return "Mx";
}

template <class T>
T norm_measure(const Vector<T>& x, NormKind norm) {
  T result = 0;
  const Eigen::Index half = x.size() / 2;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const T entry = absolute(x(i));
    switch (norm) {
      case NormKind::l1:
        result += entry;
        break;
      case NormKind::l2:
        result += entry * entry;
        break;
      case NormKind::linf:
        result = std::max(result, entry);
        break;
      case NormKind::pair:
        if (i < half) result += entry;
        break;
    }
  }
  if (norm == NormKind::pair) {
    T largest = 0;
    for (Eigen::Index i = half; i < x.size(); ++i) largest = std::max(largest, T(absolute(x(i))));
    result += largest;
  }
  return result;
}

template Rational norm_measure<Rational>(const Vector<Rational>&, NormKind);
template Mpfr norm_measure<Mpfr>(const Vector<Mpfr>&, NormKind);

double norm_from_measure(double measure, NormKind norm) { return norm == NormKind::l2 ? std::sqrt(measure) : measure; }

std::string ContractionMap::name() const {
  std::string text = fmt::format("{} on R^{}: f(x) = ", to_string(norm), dim());
  if (factor == Factor::constant) text += rational_to_string(factor_parameter) + " * ";
  if (factor == Factor::inverse) text += fmt::format("1/(1+{}|x|_1) * ", rational_to_string(factor_parameter));
  if (factor == Factor::slow) text += "(1+|x|)/(1+2|x|) * ";
  return text + "Q " + to_string(core);
}

Vector<Rational> ContractionMap::apply(const Vector<Rational>& x) const {
  assert(is_rational());
  Vector<Rational> image = apply_isometry(Q, apply_core(*this, x));
  if (factor == Factor::constant) image *= factor_parameter;
  if (factor == Factor::inverse) image /= Rational(1 + factor_parameter * l1_norm(x));
  return image;
}

Vector<Mpfr> ContractionMap::apply(const Vector<Mpfr>& x) const {
  Vector<Mpfr> image = apply_isometry(Q, apply_core(*this, x));
  if (factor == Factor::constant) image *= Mpfr(factor_parameter);
  if (factor == Factor::inverse) {
    Mpfr l1 = 0;
    for (Eigen::Index i = 0; i < x.size(); ++i) l1 += abs(x(i));
    image /= Mpfr(1 + Mpfr(factor_parameter) * l1);
  }
  if (factor == Factor::slow) {
    const Mpfr r = true_norm(x, norm);
    image *= Mpfr((1 + r) / (1 + 2 * r));
  }
  return image;
}

ContractionMap generate_contraction_map(Random& random, NormKind norm, Eigen::Index dim, bool rational_only) {
  assert(norm != NormKind::pair || dim % 2 == 0);
  ContractionMap map;
  map.norm = norm;
  const std::vector<Factor> factors = rational_only ? std::vector<Factor>{Factor::none, Factor::constant, Factor::inverse}
                                                    : std::vector<Factor>{Factor::none, Factor::constant, Factor::inverse, Factor::slow};
  map.factor = factors[random.below(factors.size())];
  // φ = 1 needs a strict core; the identity core needs φ < 1.
  if (map.factor == Factor::none) map.core = random.below(2) == 0 ? Core::coordinatewise : Core::linear;
  else map.core = static_cast<Core>(random.below(3));
  if (map.factor == Factor::constant) map.factor_parameter = pick(random, {Rational(1, 2), Rational(3, 4), Rational(9, 10)});
  if (map.factor == Factor::inverse) map.factor_parameter = pick(random, {Rational(1, 2), Rational(1), Rational(2)});
  if (map.core == Core::linear) map.M = contracting_matrix(random, norm, dim, pick(random, {Rational(1, 2), Rational(7, 8), Rational(99, 100)}));

  if (norm == NormKind::l2) {
    map.Q = cayley_rotation(random, dim);
  } else if (norm == NormKind::pair) {
    const Eigen::Index half = dim / 2;
    map.Q = Matrix<Rational>::Zero(dim, dim);
    map.Q.topLeftCorner(half, half) = signed_permutation(random, half);
    map.Q.bottomRightCorner(half, half) = signed_permutation(random, half);
  } else {
    map.Q = signed_permutation(random, dim);
  }
  return map;
}

Vector<Rational> generate_start(Random& random, Eigen::Index dim) {
  Vector<Rational> x(dim);
  do {
    for (Eigen::Index i = 0; i < dim; ++i) x(i) = small_entry(random);
  } while (x.isZero());
  return x;
}

CheckVerdict check_limit(const OrbitState& state) {
  CheckVerdict result;
  const Rational measure0 = norm_measure(state.x0, state.norm);
  const Rational target = measure0 * measure_bound(limit_tolerance, state.norm);
  Vector<Rational> x = state.x0;
  Rational measure = measure0;
  result.norms.push_back(norm_from_measure(to_double(measure), state.norm));
  for (std::int64_t n = 1; n <= state.steps; ++n) {
    const Vector<Rational> next = state.f(x);
    const Rational next_measure = norm_measure(next, state.norm);
    if (measure != 0 && !(next_measure < measure)) result.applicable = false;
    x = next;
    measure = next_measure;
    result.norms.push_back(norm_from_measure(to_double(measure), state.norm));
    if (bit_length(measure) > max_orbit_bits) {
      result.margin = 1 - to_double(measure / target);
      result.detail = fmt::format("the norm of x_n needs more than {} bits at n = {}, so exact iteration stopped", max_orbit_bits, n);
      return result;
    }
    if (measure <= target) {
      result.verdict = Verdict::confirmed;
      result.margin = 1 - to_double(measure / (target == 0 ? Rational(1) : target));
      result.detail = fmt::format("|x_n| <= {}·|x_0| at n = {}{}", rational_to_string(limit_tolerance), n,
                                  result.applicable ? "" : "; the map does not decrease the norm along the orbit");
      return result;
    }
    if (x == state.x0) {
      result.verdict = Verdict::refuted;
      result.margin = -to_double(measure / target);
      result.detail = fmt::format("the orbit returns exactly to x_0 != 0 at n = {}, so it is periodic and never tends to 0{}", n,
                                  result.applicable ? "" : " (the map does not decrease the norm along the orbit)");
      return result;
    }
  }
  result.margin = 1 - to_double(measure / target);
  result.detail = fmt::format("|x_n|/|x_0| = {:.3g} after {} steps, above the tolerance {}", norm_from_measure(to_double(measure / measure0), state.norm),
                              state.steps, rational_to_string(limit_tolerance));
  return result;
}

CheckVerdict check_limit_mpfr(const ContractionMap& map, const Vector<Rational>& x0, std::int64_t steps) {
  CheckVerdict result;
  result.evidence = Evidence::numerical;
  const Vector<Mpfr> start = x0.unaryExpr([](const Rational& entry) { return Mpfr(entry); });
  Vector<Mpfr> x = start;
  const Mpfr norm0 = true_norm(x, map.norm);
  Mpfr norm = norm0;
  result.norms.push_back(norm.convert_to<double>());
  for (std::int64_t n = 1; n <= steps; ++n) {
    x = map.apply(x);
    const Mpfr next = true_norm(x, map.norm);
    if (!(next < norm)) result.applicable = false;
    norm = next;
    result.norms.push_back(norm.convert_to<double>());
    if (norm <= norm0 * Mpfr(limit_tolerance)) {
      result.verdict = Verdict::confirmed;
      result.margin = 1 - Mpfr(norm / (norm0 * Mpfr(limit_tolerance))).convert_to<double>();
      result.detail = fmt::format("|x_n| <= {}·|x_0| at n = {} (MPFR, {} bits)", rational_to_string(limit_tolerance), n, mpfr_bits);
      return result;
    }
    if (x == start) {
      result.verdict = Verdict::refuted;
      result.margin = -1;
      result.detail = fmt::format("the MPFR orbit returns to x_0 != 0 at n = {}, so it is periodic{}", n,
                                  result.applicable ? "" : " (the map does not decrease the norm along the orbit)");
      return result;
    }
  }
  result.detail = fmt::format("|x_n|/|x_0| = {:.3g} after {} steps", Mpfr(norm / norm0).convert_to<double>(), steps);
  return result;
}

CheckVerdict check_hypothesis_at_zero(const RationalMap& f, NormKind norm, const std::vector<Vector<Rational>>& samples, Eigen::Index dim) {
  CheckVerdict result;
  const Vector<Rational> zero = Vector<Rational>::Zero(dim);
  const Rational image_at_zero = norm_measure(f(zero), norm);
  // The literal hypothesis at x = 0 reads ‖f(0)‖ < ‖0‖ = 0, and a norm is never negative.
  const bool literal_holds = image_at_zero < 0;

  Rational worst = 1;
  std::string failure;
  for (const Vector<Rational>& x : samples) {
    const Rational measure = norm_measure(x, norm);
    if (measure == 0) continue;
    const Rational ratio = norm_measure(f(x), norm) / measure;
    if (1 - ratio < worst) worst = 1 - ratio;
    if (ratio >= 1 && failure.empty()) failure = fmt::format("at a sample point |f(x)|/|x| = {:.6g} >= 1", norm_from_measure(to_double(ratio), norm));
  }

  // Continuity and ‖f(x)‖ < ‖x‖ for x ≠ 0 force f(0) = 0.
  if (image_at_zero != 0 && failure.empty()) failure = fmt::format("f(0) != 0 (|f(0)| = {:.6g})", norm_from_measure(to_double(image_at_zero), norm));
  result.margin = to_double(worst);
  if (literal_holds) {
    result.verdict = Verdict::refuted;
    result.detail = "the literal hypothesis |f(0)| < |0| holds";
  } else if (!failure.empty()) {
    result.verdict = Verdict::refuted;
    result.margin = std::min(result.margin, -1.0);
    result.detail = "the reading for x != 0 fails: " + failure;
  } else {
    result.verdict = Verdict::confirmed;
    result.detail = fmt::format("|f(0)| < |0| fails (it reads 0 < 0), while |f(x)| < |x| holds at all {} sample points and f(0) = 0",
                                samples.size());
  }
  return result;
}

RationalMap discontinuous_map(NormKind norm) {
  assert(norm != NormKind::l2);
  return [norm](const Vector<Rational>& x) {
    const Rational r = norm_measure(x, norm);
    if (r <= 1) return Vector<Rational>(x / 2);
    return Vector<Rational>(x * ((1 + r) / (2 * r)));
  };
}

CheckVerdict check_stays_away(const OrbitState& state, const Rational& lower_bound) {
  CheckVerdict result;
  const Rational bound = measure_bound(lower_bound, state.norm);
  Vector<Rational> x = state.x0;
  Rational measure = norm_measure(x, state.norm);
  Rational lowest = measure;
  result.norms.push_back(norm_from_measure(to_double(measure), state.norm));
  for (std::int64_t n = 1; n <= state.steps; ++n) {
    x = state.f(x);
    const Rational next = norm_measure(x, state.norm);
    if (measure != 0 && !(next < measure)) result.applicable = false;
    measure = next;
    lowest = std::min(lowest, measure);
    result.norms.push_back(norm_from_measure(to_double(measure), state.norm));
  }
  result.margin = to_double((lowest - bound) / bound);
  if (lowest > bound) {
    result.verdict = Verdict::confirmed;
    result.detail = fmt::format("every |x_n| > {} for n <= {}, the smallest being {:.17g}{}", rational_to_string(lower_bound), state.steps,
                                norm_from_measure(to_double(lowest), state.norm),
                                result.applicable ? ", and each step decreases the norm" : ", but some step does not decrease the norm");
  } else {
    result.verdict = Verdict::refuted;
    result.detail = fmt::format("|x_n| reaches {:.6g} <= {} within {} steps", norm_from_measure(to_double(lowest), state.norm),
                                rational_to_string(lower_bound), state.steps);
  }
  return result;
}

CheckVerdict check_norm_preserved(const OrbitState& state) {
  CheckVerdict result;
  const Rational measure0 = norm_measure(state.x0, state.norm);
  Vector<Rational> x = state.x0;
  Rational worst = 0;  // the minimum relative change of the norm measure
  result.norms.push_back(norm_from_measure(to_double(measure0), state.norm));
  for (std::int64_t n = 1; n <= state.steps; ++n) {
    const Vector<Rational> next = state.f(x);
    const Rational next_measure = norm_measure(next, state.norm);
    if (next_measure > norm_measure(x, state.norm)) result.applicable = false;
    x = next;
    worst = std::min(worst, Rational((next_measure - measure0) / measure0));
    result.norms.push_back(norm_from_measure(to_double(next_measure), state.norm));
  }
  result.margin = to_double(worst);
  const bool preserved = worst == 0 && measure0 != 0;
  result.verdict = preserved ? Verdict::confirmed : Verdict::refuted;
  result.detail = preserved ? fmt::format("|x_n| = |x_0| = {:.6g} exactly for every n <= {}, with |f(x)| <= |x| along the orbit",
                                          norm_from_measure(to_double(measure0), state.norm), state.steps)
                            : fmt::format("the norm measure drops by a relative {:.6g} within {} steps", -to_double(worst), state.steps);
  return result;
}

Rational shift_weight(std::int64_t i) {
  assert(i >= 1);
  return Rational(i * (i + 2), (i + 1) * (i + 1));
}

Vector<Rational> shift_weights(Eigen::Index count) {
  Vector<Rational> weights(count);
  for (Eigen::Index i = 0; i < count; ++i) weights(i) = shift_weight(i + 1);
  return weights;
}

Vector<Rational> apply_shift(const Vector<Rational>& weights, const Vector<Rational>& x) {
  Vector<Rational> image = Vector<Rational>::Zero(x.size());
  for (Eigen::Index i = 0; i + 1 < x.size(); ++i) image(i + 1) = weights(i) * x(i);
  return image;
}

CheckVerdict check_shift_bounded_below(const Vector<Rational>& weights, const Vector<Rational>& x0, std::int64_t steps,
                                       const Rational& lower_bound_squared, const std::function<void(std::int64_t)>& progress) {
  CheckVerdict result;
  const Eigen::Index dim = weights.size();
  assert(x0.size() + steps < dim);
  Vector<Rational> x = Vector<Rational>::Zero(dim);
  x.head(x0.size()) = x0;
  const Rational measure0 = x.squaredNorm();
  Rational lowest = 1;  // the smallest ‖xₙ‖²/‖x₀‖²
  result.norms.push_back(1.0);
  for (std::int64_t n = 1; n <= steps; ++n) {
    const Vector<Rational> next = apply_shift(weights, x);
    if (x(dim - 1) != 0) result.applicable = false;  // the truncation would drop mass
    if (!(next.squaredNorm() < x.squaredNorm())) result.applicable = false;
    x = next;
    lowest = std::min(lowest, Rational(x.squaredNorm() / measure0));
    result.norms.push_back(std::sqrt(to_double(x.squaredNorm() / measure0)));
    if (progress) progress(n);
  }
  result.margin = to_double((lowest - lower_bound_squared) / lower_bound_squared);
  if (lowest >= lower_bound_squared) {
    result.verdict = Verdict::confirmed;
    result.detail = fmt::format("|f^n(x_0)|/|x_0| >= {:.17g} >= sqrt({}) for n <= {} on a truncation to {} coordinates{}", std::sqrt(to_double(lowest)),
                                rational_to_string(lower_bound_squared), steps, dim,
                                result.applicable ? ", each step decreasing the norm" : ", but the hypotheses fail along the orbit");
  } else {
    result.verdict = Verdict::refuted;
    result.detail = fmt::format("|f^n(x_0)|²/|x_0|² reaches {:.6g} < {} within {} steps", to_double(lowest), rational_to_string(lower_bound_squared), steps);
  }
  return result;
}

std::vector<Rational> geometric_rates() { return {Rational(1, 2), Rational(9, 10), Rational(99, 100), Rational(999, 1000)}; }

CheckVerdict check_slower_than_geometric(const OrbitState& state, const std::vector<Rational>& rates, bool closed_form) {
  CheckVerdict result;
  const Rational measure0 = norm_measure(state.x0, state.norm);
  std::vector<Rational> measures{measure0};
  Vector<Rational> x = state.x0;
  bool closed_form_holds = true;
  for (std::int64_t n = 1; n <= state.steps; ++n) {
    const Vector<Rational> next = state.f(x);
    const Rational next_measure = norm_measure(next, state.norm);
    if (!(next_measure < measures.back())) result.applicable = false;
    // ‖xₙ‖ = ‖x₀‖/(1 + n‖x₀‖) for f(x) = x/(1 + ‖x‖) (induction: r/(1 + r) maps r₀/(1+n r₀) to r₀/(1+(n+1) r₀)).
    if (closed_form && next_measure != measure0 / (1 + n * measure0)) closed_form_holds = false;
    x = next;
    measures.push_back(next_measure);
  }
  for (const Rational& m : measures) result.norms.push_back(norm_from_measure(to_double(m), state.norm));

  std::string found;
  double worst = 1;
  for (const Rational& q : rates) {
    const Rational threshold = measure_bound(q, state.norm);  // ratios of norm measures
    std::int64_t first = -1;
    for (std::size_t n = 0; n + 1 < measures.size(); ++n) {
      const bool above = measures[n] != 0 && measures[n + 1] > threshold * measures[n];
      if (above && first < 0) first = static_cast<std::int64_t>(n);
      if (!above && first >= 0) first = -2;  // fell back below q
      if (first == -2) break;
    }
    const Rational last_ratio = measures[measures.size() - 2] == 0 ? Rational(0) : Rational(measures.back() / measures[measures.size() - 2]);
    worst = std::min(worst, to_double(last_ratio - threshold));
    if (first < 0) {
      result.verdict = Verdict::refuted;
      result.margin = std::min(-1e-300, to_double(last_ratio - threshold));
      result.detail = fmt::format("the step ratio |x_(n+1)|/|x_n| does not stay above q = {} within {} steps", rational_to_string(q), state.steps);
      return result;
    }
    found += fmt::format("{}q = {}: from n = {}", found.empty() ? "" : "; ", rational_to_string(q), first);
  }
  if (closed_form && !closed_form_holds) {
    result.verdict = Verdict::refuted;
    result.margin = -1;
    result.detail = "the norms differ from the closed form |x_0|/(1 + n|x_0|)";
    return result;
  }
  result.verdict = Verdict::confirmed;
  result.margin = worst;
  result.detail = fmt::format("the step ratio |x_(n+1)|/|x_n| exceeds q and stays above it to n = {} ({}), so |x_n| >= |x_m|·q^(n-m) "
                              "there and no bound C·q^n holds{}",
                              state.steps, found, closed_form ? "; every |x_n| equals |x_0|/(1 + n|x_0|) exactly" : "");
  return result;
}

namespace {

RationalMap inverse_norm_map(NormKind norm) {
  return [norm](const Vector<Rational>& x) { return Vector<Rational>(x / (1 + norm_measure(x, norm))); };
}

// The fixed isometries of T2.needs-strictness: the rotation by the angle of the (3, 4, 5)
// triangle for ℓ2, and the quarter turn (x, y) ↦ (−y, x) for ℓ1, ℓ∞ and pair, applied to
// consecutive pairs of coordinates.
RationalMap isometry_map(NormKind norm) {
  return [norm](const Vector<Rational>& x) {
    Vector<Rational> image = x;
    for (Eigen::Index i = 0; i + 1 < x.size(); i += 2) {
      if (norm == NormKind::l2) {
        image(i) = Rational(3, 5) * x(i) - Rational(4, 5) * x(i + 1);
        image(i + 1) = Rational(4, 5) * x(i) + Rational(3, 5) * x(i + 1);
      } else if (norm != NormKind::pair) {
        image(i) = -x(i + 1);
        image(i + 1) = x(i);
      }
    }
    if (norm == NormKind::pair) {
      const Eigen::Index half = x.size() / 2;
      for (Eigen::Index i = 0; i < half; ++i) image(i) = -x(half - 1 - i);
      for (Eigen::Index i = half; i < x.size(); ++i) image(i) = x(x.size() - 1 - (i - half));
    }
    return image;
  };
}

// The jump of the discontinuous map at the unit sphere: f(x/‖x‖) has norm ½, while the points
// (1 + 2⁻ᵏ)·x/‖x‖, which tend to x/‖x‖, have images of norm 1 + 2⁻ᵏ⁻¹ > 1.
bool jump_at_unit_sphere(NormKind norm, const Vector<Rational>& x0, std::string& detail) {
  const RationalMap f = discontinuous_map(norm);
  const Vector<Rational> on_sphere = x0 / norm_measure(x0, norm);
  if (norm_measure(f(on_sphere), norm) != Rational(1, 2)) return false;
  for (int k = 1; k <= 64; ++k) {
    const Rational scale = 1 + Rational(1, boost::multiprecision::mpz_int(1) << k);
    if (!(norm_measure(f(Vector<Rational>(on_sphere * scale)), norm) > 1)) return false;
  }
  detail = "; f jumps at the unit sphere: |f(x)| = 1/2 at |x| = 1, but |f(x)| > 1 at |x| = 1 + 2^-k for k = 1..64";
  return true;
}

}  // namespace

void check_construction_input(const std::string& name, NormKind norm, const Vector<Rational>& x0, std::int64_t steps) {
  const std::vector<std::string> names{"zero-point", "jump-at-unit-sphere", "isometry", "weighted-shift", "inverse-norm"};
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw InputError("unknown Theorem 2 construction '" + shortened(name) + "': use zero-point, jump-at-unit-sphere, isometry, weighted-shift or inverse-norm");
  }
  // The constructions use horizons up to 2000; the exact weighted shift costs about steps^2, so
  // 5000 steps take some 10 s and the limit keeps a replay of an edited trace that short.
  if (steps < 1 || steps > 5'000) throw InputError(fmt::format("invalid horizon {} for construction {}: use 1 to 5000", steps, name));
  if (x0.size() < 1 || x0.size() > 64) throw InputError(fmt::format("invalid start dimension {} for construction {}: use 1 to 64", x0.size(), name));
  if (norm == NormKind::pair && x0.size() % 2 != 0) throw InputError("construction " + name + ": the pair norm needs an even dimension");
  // Every construction but zero-point measures the orbit against ‖x₀‖, and 0 is a fixed point of each.
  if (name != "zero-point" && x0.isZero()) throw InputError("construction " + name + ": the start x0 is 0; use a nonzero start");
  if (name == "jump-at-unit-sphere") {
    if (norm == NormKind::l2) throw InputError("construction jump-at-unit-sphere: use l1, linf or pair (the l2 norm is not rational)");
    if (!(norm_measure(x0, norm) > 1)) throw InputError("construction jump-at-unit-sphere: the start must have norm above 1");
  }
  if (name == "weighted-shift" && norm != NormKind::l2) throw InputError("construction weighted-shift: use l2");
  if (name == "inverse-norm" && norm == NormKind::l2) {
    throw InputError("construction inverse-norm: use l1, linf or pair (the l2 norm is not rational)");
  }
}

std::string construction_claim(const std::string& name) {
  if (name == "zero-point") return "T2.hypothesis-at-zero";
  if (name == "jump-at-unit-sphere") return "T2.needs-continuity";
  if (name == "isometry") return "T2.needs-strictness";
  if (name == "weighted-shift") return "T2.needs-finite-dimension";
  if (name == "inverse-norm") return "T2.no-uniform-rate";
  return "";
}

ConstructionCheck check_construction(const std::string& name, NormKind norm, const Vector<Rational>& x0, std::int64_t steps,
                                     const std::function<void(std::int64_t)>& progress) {
  check_construction_input(name, norm, x0, steps);
  // The orbit's map, calling `progress` after each application: each checker applies it once a step.
  const auto counted = [&progress](RationalMap f) -> RationalMap {
    if (!progress) return f;
    return [f = std::move(f), &progress, n = std::int64_t{0}](const Vector<Rational>& x) mutable {
      Vector<Rational> image = f(x);
      progress(++n);
      return image;
    };
  };
  if (name == "zero-point") {
    Random random(1);
    std::vector<Vector<Rational>> samples{x0};
    for (int i = 0; i < 8; ++i) samples.push_back(generate_start(random, x0.size()));
    return {construction_claim(name), check_hypothesis_at_zero(inverse_norm_map(NormKind::l1), norm, samples, x0.size())};
  }
  if (name == "jump-at-unit-sphere") {
    CheckVerdict verdict = check_stays_away({counted(discontinuous_map(norm)), x0, norm, steps}, Rational(1));
    std::string jump;
    if (!jump_at_unit_sphere(norm, x0, jump)) {
      verdict.verdict = Verdict::refuted;
      verdict.detail += "; but f has no jump at the unit sphere";
    }
    verdict.detail += jump;
    return {construction_claim(name), verdict};
  }
  if (name == "isometry") return {construction_claim(name), check_norm_preserved({counted(isometry_map(norm)), x0, norm, steps})};
  if (name == "weighted-shift") {
    const Vector<Rational> weights = shift_weights(x0.size() + steps + 1);
    // Every partial product of weights is at least the full product (n+2)/(2(n+1)) > ½, so
    // ‖fⁿ(x)‖² ≥ ‖x‖²/4 for every x.
    CheckVerdict verdict = check_shift_bounded_below(weights, x0, steps, Rational(1, 4), progress);
    Rational product = 1;
    for (std::int64_t i = 1; i <= steps; ++i) product *= shift_weight(i);
    if (product != Rational(steps + 2, 2 * (steps + 1))) {
      verdict.verdict = Verdict::refuted;
      verdict.detail += "; the product of the weights differs from (n+2)/(2(n+1))";
    } else {
      verdict.detail += fmt::format("; the product of the first {} weights is exactly {}", steps, rational_to_string(product));
    }
    return {construction_claim(name), verdict};
  }
  return {construction_claim(name), check_slower_than_geometric({counted(inverse_norm_map(norm)), x0, norm, steps}, geometric_rates(), true)};
}

std::vector<ConstructionSpec> theorem2_constructions() {
  const auto vec = [](std::initializer_list<Rational> values) {
    Vector<Rational> x(static_cast<Eigen::Index>(values.size()));
    Eigen::Index i = 0;
    for (const Rational& value : values) x(i++) = value;
    return x;
  };
  return {
      {"T2.hypothesis-at-zero", "zero-point", NormKind::l1, vec({1, -2}), 1},
      {"T2.hypothesis-at-zero", "zero-point", NormKind::l2, vec({1, Rational(1, 2), -3}), 1},
      {"T2.needs-continuity", "jump-at-unit-sphere", NormKind::l1, vec({2, -1}), 60},
      {"T2.needs-continuity", "jump-at-unit-sphere", NormKind::linf, vec({Rational(3, 2), 1}), 60},
      {"T2.needs-continuity", "jump-at-unit-sphere", NormKind::pair, vec({1, -1, 2, Rational(1, 2)}), 60},
      {"T2.needs-strictness", "isometry", NormKind::l2, vec({1, 2}), 200},
      {"T2.needs-strictness", "isometry", NormKind::l1, vec({1, -3, 2}), 200},
      {"T2.needs-strictness", "isometry", NormKind::pair, vec({1, -3, 2, 5}), 200},
      {"T2.needs-finite-dimension", "weighted-shift", NormKind::l2, vec({1}), 300},
      {"T2.needs-finite-dimension", "weighted-shift", NormKind::l2, vec({1, -2, Rational(1, 2)}), 300},
      {"T2.no-uniform-rate", "inverse-norm", NormKind::l1, vec({1, Rational(-1, 2)}), 2000},
      {"T2.no-uniform-rate", "inverse-norm", NormKind::linf, vec({1, 3}), 2000},
  };
}

ClaimResult combine_verdicts(const std::string& id, const std::string& statement, const std::vector<CheckVerdict>& verdicts,
                             const std::string& summary) {
  std::vector<ClaimResult> results;
  double worst = verdicts.empty() ? 0 : verdicts.front().margin;
  for (const CheckVerdict& verdict : verdicts) {
    results.push_back(single_instance_claim(id, statement, verdict));
    worst = std::min(worst, verdict.margin);
  }
  if (results.empty()) {
    ClaimResult empty = single_instance_claim(id, statement, CheckVerdict{});
    empty.instances = 0;
    empty.detail = "no instance met the hypotheses";
    return empty;
  }
  ClaimResult combined = combine_results(results);
  if (combined.verdict != Verdict::refuted) {
    combined.worst_value = worst;
    combined.detail = summary + (combined.verdict == Verdict::confirmed ? "" : " Undecided: " + combined.detail);
  }
  return combined;
}

namespace {

const std::map<std::string, std::string>& claim_statements() {
  static const std::map<std::string, std::string> statements{
      {"T2.limit", "continuous maps with |f(x)| < |x| for x != 0 under l1, l2, linf and the pair norm |u|_1 + |v|_inf: f^n(x) -> 0"},
      {"T2.limit-rational-maps", "T2.limit restricted to the generated maps whose orbits are iterated exactly"},
      {"T2.hypothesis-at-zero", "as printed, |f(x)| < |x| for every x fails at x = 0, so it can only be meant for x != 0"},
      {"T2.needs-continuity", "without continuity the conclusion fails: a strictly norm-decreasing map whose iterates stay away from 0"},
      {"T2.needs-strictness", "with |f(x)| <= |x| only, the conclusion fails"},
      {"T2.needs-finite-dimension", "on l^2 a continuous linear map with |f(x)| < |x| has iterates bounded away from 0"},
      {"T2.no-uniform-rate", "convergence can be slower than any geometric rate: f(x) = x/(1 + |x|)"},
  };
  return statements;
}

ClaimResult to_claim(const std::string& id, const CheckVerdict& verdict) { return single_instance_claim(id, claim_statements().at(id), verdict); }

ClaimResult combine(const std::string& id, const std::vector<CheckVerdict>& verdicts, const std::string& summary) {
  return combine_verdicts(id, claim_statements().at(id), verdicts, summary);
}

}  // namespace

Theorem2Outcome run_theorem2_claims(std::uint64_t seed, std::int64_t instances) {
  set_multiprecision_bits(mpfr_bits);
  Theorem2Outcome outcome;
  Random random(seed);
  std::vector<CheckVerdict> limit_all, limit_rational, at_zero;
  std::int64_t limit_outside = 0, mpfr_instances = 0, longest = 0;
  std::map<std::string, bool> plotted;
  const NormKind norms[] = {NormKind::l1, NormKind::l2, NormKind::linf, NormKind::pair};
  for (std::int64_t index = 0; index < instances; ++index) {
    const NormKind norm = norms[index % 4];
    const Eigen::Index dim = norm == NormKind::pair ? 2 * (1 + static_cast<Eigen::Index>(random.below(2))) : 1 + static_cast<Eigen::Index>(random.below(3));
    const ContractionMap map = generate_contraction_map(random, norm, dim, false);
    const Vector<Rational> x0 = generate_start(random, dim);
    CheckVerdict verdict;
    const RationalMap f = [&map](const Vector<Rational>& x) { return map.apply(x); };
    if (map.is_rational()) {
      std::vector<Vector<Rational>> samples{x0};
      for (int i = 0; i < 4; ++i) samples.push_back(generate_start(random, dim));
      at_zero.push_back(check_hypothesis_at_zero(f, norm, samples, dim));
    }
    if (map.is_exactly_iterable()) {
      verdict = check_limit({f, x0, norm, limit_horizon});
    } else {
      verdict = check_limit_mpfr(map, x0, limit_horizon);
      ++mpfr_instances;
    }
    longest = std::max<std::int64_t>(longest, static_cast<std::int64_t>(verdict.norms.size()) - 1);
    const std::string key = to_string(norm) + (map.is_exactly_iterable() ? "" : "-mpfr");
    if (!plotted[key] && verdict.norms.size() > 20) {
      plotted[key] = true;
      outcome.representative_orbits.push_back({map.name(), verdict.norms});
    }
    if (!verdict.applicable) {
      ++limit_outside;
      continue;
    }
    limit_all.push_back(verdict);
    if (map.is_exactly_iterable()) limit_rational.push_back(std::move(verdict));
  }
  const std::string limit_summary = fmt::format(
      "{} random maps f(x) = phi(x)·Q·core(x) (l1, l2, linf, pair in turn; n <= 3, pair n = 2 or 4; phi in 1, c, 1/(1+k|x|_1), "
      "(1+|x|)/(1+2|x|); core x, x_i/(1+|x_i|) or Mx; Q a rotation or signed permutation): every orbit reached "
      "|x_n| <= {}·|x_0| within {} steps (the longest took {}); {} maps (phi = (1+|x|)/(1+2|x|), or the coordinatewise core under a rotation or with "
      "phi = 1/(1+k|x|_1), whose exact bit lengths grow geometrically) were iterated in MPFR at {} bits.",
      limit_all.size(), rational_to_string(limit_tolerance), limit_horizon, longest, mpfr_instances, mpfr_bits);
  // NOTE: a refuted T2.limit instance (an exact cycle) is reported with its detail but gets no
  // trace, because generated maps are not serialized; only the constructions have traces.
  outcome.claims.push_back(combine("T2.limit", limit_all, limit_summary));
  outcome.claims.push_back(combine("T2.limit-rational-maps", limit_rational,
                                   fmt::format("{} maps iterated in rationals, every step exact: each orbit decreased strictly and reached |x_n| <= {}·|x_0| "
                                               "within {} steps.", limit_rational.size(), rational_to_string(limit_tolerance), limit_horizon)));
  outcome.claims.push_back(combine("T2.hypothesis-at-zero", at_zero,
                                   fmt::format("On {} rational maps: |f(0)| < |0| reads 0 < 0 and fails, while |f(x)| < |x| holds at 5 nonzero "
                                               "points each and f(0) = 0, so the hypothesis is meant for x != 0.", at_zero.size())));
  outcome.not_applicable = {limit_outside, 0, 0};

  std::map<std::string, std::vector<CheckVerdict>> by_claim;
  std::map<std::string, std::string> details;
  for (const ConstructionSpec& spec : theorem2_constructions()) {
    ConstructionCheck check = check_construction(spec.name, spec.norm, spec.x0, spec.steps);
    if (spec.claim != "T2.hypothesis-at-zero") {
      outcome.counterexample_orbits.push_back({fmt::format("{} ({}, {})", spec.claim, spec.name, to_string(spec.norm)), check.verdict.norms});
    }
    details[spec.claim] += fmt::format("{} under {}: {}. ", spec.name, to_string(spec.norm), check.verdict.detail);
    by_claim[spec.claim].push_back(check.verdict);
  }
  // The constructions from random starts as well.
  for (std::int64_t index = 0; index < std::min<std::int64_t>(instances, 50); ++index) {
    const NormKind norm = index % 3 == 0 ? NormKind::l1 : (index % 3 == 1 ? NormKind::linf : NormKind::pair);
    Vector<Rational> x0 = generate_start(random, norm == NormKind::pair ? 4 : 3);
    const Rational measure = norm_measure(x0, norm);
    Vector<Rational> outside = x0;
    if (!(measure > 1)) outside = x0 * (2 / measure);
    by_claim["T2.needs-continuity"].push_back(check_construction("jump-at-unit-sphere", norm, outside, 60).verdict);
    by_claim["T2.needs-strictness"].push_back(check_construction("isometry", NormKind::l2, x0, 50).verdict);
    by_claim["T2.needs-finite-dimension"].push_back(check_construction("weighted-shift", NormKind::l2, x0, 60).verdict);
    by_claim["T2.no-uniform-rate"].push_back(check_construction("inverse-norm", norm, x0, 1200).verdict);
  }
  for (const std::string id : {"T2.needs-continuity", "T2.needs-strictness", "T2.needs-finite-dimension", "T2.no-uniform-rate"}) {
    outcome.claims.push_back(combine(id, by_claim[id],
                                     fmt::format("{} orbits (the named constructions and random starts), all exact. {}", by_claim[id].size(), details[id])));
    outcome.not_applicable.push_back(0);
  }
  // The hypothesis-at-zero constructions count with the generated maps.
  for (const CheckVerdict& verdict : by_claim["T2.hypothesis-at-zero"]) {
    ClaimResult& claim = outcome.claims[2];
    if (verdict.verdict != Verdict::confirmed) claim = to_claim("T2.hypothesis-at-zero", verdict);
    ++claim.instances;
  }
  return outcome;
}

}  // namespace sgverify::proofs
