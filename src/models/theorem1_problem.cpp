// Schedules, problem set-up, starts and W* for Theorem 1: the parts that do not depend on the scalar.
#include "models/theorem1.hpp"

#include "data/rng.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"

#include <Eigen/LU>
#include <fmt/format.h>
#include <utility>

namespace sgverify {

std::string MuSchedule::name() const {
  switch (kind) {
    case Kind::fixed:
      return "fixed:" + rational_to_string(value);
    case Kind::bound_derived:
      return "bound-derived:" + rational_to_string(value);
    case Kind::bound_literal:
      break;
  }
  return "bound-literal:" + rational_to_string(value);
}

std::string NuSchedule::name() const { return line_search ? "line-search" : rational_to_string(value); }

MuSchedule parse_mu_schedule(const std::string& text) {
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  if (colon == std::string::npos || (kind != "fixed" && kind != "bound-derived" && kind != "bound-literal")) {
    throw InputError("invalid --mu '" + text.substr(0, 40) + "': use fixed:VALUE, bound-derived:THETA or bound-literal:THETA");
  }
  MuSchedule schedule;
  schedule.value = parse_rational(text.substr(colon + 1), "--mu value");
  if (kind == "fixed") {
    schedule.kind = MuSchedule::Kind::fixed;
    // The range keeps the rate a normal double: below 1e-300 it would round to 0 or a subnormal.
    if (schedule.value < Rational(1, boost::multiprecision::pow(boost::multiprecision::mpz_int(10), 300)) || schedule.value > 1'000'000) {
      throw InputError("invalid --mu '" + text + "': the learning rate must lie in [1e-300, 1e6]");
    }
    return schedule;
  }
  schedule.kind = kind == "bound-derived" ? MuSchedule::Kind::bound_derived : MuSchedule::Kind::bound_literal;
  if (schedule.value <= 0 || schedule.value >= 1) {
    throw InputError("invalid --mu '" + text + "': THETA must lie strictly between 0 and 1, for example bound-derived:0.5");
  }
  return schedule;
}

NuSchedule parse_nu_schedule(const std::string& text) {
  if (text == "line-search") return {true, 0};
  const Rational value = parse_rational(text, "--nu");
  if (value < Rational(1, boost::multiprecision::pow(boost::multiprecision::mpz_int(10), 300)) || value > 1'000'000) {
    throw InputError("invalid --nu '" + text + "': use line-search or a learning rate in [1e-300, 1e6]");
  }
  return {false, value};
}

Start parse_start(const std::string& text) {
  if (text == "paper") return Start::paper;
  if (text == "zero") return Start::zero;
  if (text == "random") return Start::random;
  throw InputError("invalid --start '" + text + "': use paper, zero or random");
}

std::string to_string(Start start) {
  switch (start) {
    case Start::paper:
      return "paper";
    case Start::zero:
      return "zero";
    case Start::random:
      break;
  }
  return "random";
}

Theorem1Path parse_path(const std::string& text) {
  if (text == "moments") return Theorem1Path::moments;
  if (text == "samples") return Theorem1Path::samples;
  throw InputError("invalid --path '" + text + "': use moments or samples");
}

std::string to_string(Theorem1Path path) { return path == Theorem1Path::moments ? "moments" : "samples"; }

Theorem1Path default_path(const ArithmeticSpec& arithmetic) {
  const bool hardware_float = arithmetic.kind == ArithmeticKind::double_precision || arithmetic.kind == ArithmeticKind::long_double;
  return hardware_float ? Theorem1Path::samples : Theorem1Path::moments;
}

void check_theorem1_size(std::int64_t dim, std::int64_t samples, const std::string& where, const std::string& fix) {
  if (dim < 1 || samples < 1) throw InputError(fmt::format("{}: invalid size d = {}, S = {}: a Theorem 1 instance has at least one feature and one sample; {}", where, dim, samples, fix));
  if (dim > max_theorem1_dim || samples > max_theorem1_samples || dim * samples > max_theorem1_values) {
    throw InputError(fmt::format("{}: d = {} features and S = {} samples exceed the Theorem 1 limits (d at most {}, S at most {}, d·S at most {}); {}",
                                 where, dim, samples, max_theorem1_dim, max_theorem1_samples, max_theorem1_values, fix));
  }
}

void check_theorem1_precision(const ArithmeticSpec& arithmetic, std::int64_t dim, std::int64_t samples, const std::string& where,
                              const std::string& fix) {
  if (arithmetic.bits == 0) return;
  if (arithmetic.bits > max_theorem1_bits) {
    throw InputError(fmt::format("{}: arithmetic {} exceeds the Theorem 1 limit of {} bits; {}", where, arithmetic.name(), max_theorem1_bits, fix));
  }
  const double values = static_cast<double>(dim + 1) * static_cast<double>(samples + dim + 1);
  const double copies = arithmetic.kind == ArithmeticKind::interval ? 2.0 : 1.0;
  if (copies * values * arithmetic.bits > max_theorem1_significand_bits) {
    throw InputError(fmt::format("{}: arithmetic {} on d = {}, S = {} needs more than 2^33 bits (1 GiB) of significands; {}", where,
                                 arithmetic.name(), dim, samples, fix));
  }
}

Theorem1Problem::Theorem1Problem(Dataset dataset) : data(std::move(dataset)) {
  const Matrix<Rational> augmented = data.augmented();
  gram = augmented * augmented.transpose();
  x_times_y = augmented * data.y.transpose();
  x_times_one = augmented.rowwise().sum();
  y_dot_y = data.y.squaredNorm();
  y_dot_one = data.y.sum();
  spectrum = bound_spectrum(gram);
}

RowVector<Rational> least_squares_weights_exact(const Theorem1Problem& problem, const RowVector<Rational>& start_weights) {
  const Vector<Rational> rhs = problem.x_times_y - problem.gram * start_weights.transpose();  // X̄(y − W_0X̄)ᵀ
  const Eigen::FullPivLU<Matrix<Rational>> lu(problem.gram);
  Vector<Rational> delta = lu.solve(rhs);
  if (lu.rank() < problem.gram.rows()) {
    // Remove the kernel component: δ − N(NᵀN)⁻¹Nᵀδ leaves the solution in the range of G.
    const Matrix<Rational> kernel = lu.kernel();
    const Matrix<Rational> normal = kernel.transpose() * kernel;
    const Vector<Rational> coefficients = normal.fullPivLu().solve(Vector<Rational>(kernel.transpose() * delta));
    delta -= kernel * coefficients;
  }
  return start_weights + delta.transpose();
}

RowVector<Rational> least_squares_weights_for(const Theorem1Problem& problem, const RowVector<Rational>& start_weights,
                                              const ArithmeticSpec& arithmetic) {
  switch (arithmetic.kind) {
    case ArithmeticKind::exact:
    case ArithmeticKind::interval:
      return least_squares_weights_exact(problem, start_weights);
    case ArithmeticKind::mpfr:
      set_multiprecision_bits(arithmetic.bits);
      return least_squares_weights_cod<Mpfr>(problem, start_weights);
    case ArithmeticKind::long_double:
      return least_squares_weights_cod<long double>(problem, start_weights);
    case ArithmeticKind::double_precision:
      break;
  }
  return least_squares_weights_cod<double>(problem, start_weights);
}

Theorem1Start make_start(const Theorem1Problem& problem, Start start, std::uint64_t seed) {
  Theorem1Start result;
  result.W = RowVector<Rational>::Zero(problem.weight_count());
  result.omega = Vector<Rational>::Zero(3);
  if (start == Start::paper) {
    result.omega << Rational(-1), Rational(-1), Rational(0);
  } else if (start == Start::random) {
    // A stream of its own: the seed's data and its start do not share random numbers.
    Random random(seed ^ 0x5354415254ULL);
    for (Eigen::Index i = 0; i < result.W.size(); ++i) result.W(i) = random.gaussian(default_grid_bits);
    for (Eigen::Index i = 0; i < 3; ++i) result.omega(i) = random.gaussian(default_grid_bits);
  }
  return result;
}

Theorem1Config exact_step_config(const Theorem1Start& start, const MuSchedule& mu, const NuSchedule& nu, std::int64_t steps) {
  Theorem1Config base;
  base.path = Theorem1Path::moments;
  base.mu = mu;
  base.nu = nu;
  return exact_step_config(std::move(base), start, steps);
}

Theorem1Config exact_step_config(Theorem1Config base, const Theorem1Start& start, std::int64_t steps) {
  base.arithmetic = ArithmeticSpec{ArithmeticKind::exact, 0};
  base.start = start;
  base.steps = steps;
  base.record_step = nullptr;
  base.progress = nullptr;
  base.on_record = nullptr;
  return base;
}

Theorem1Run run_theorem1(const Theorem1Problem& problem, const RowVector<Rational>& W_star, const Theorem1Config& config) {
  return visit_arithmetic(config.arithmetic, [&]<class T>() { return run_theorem1<T>(problem, W_star, config); });
}

}  // namespace sgverify
