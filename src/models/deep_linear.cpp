// Schedules, architectures, data and starts of the Corollary 1 model: the parts that do not
// depend on the scalar.
#include "models/deep_linear.hpp"

#include "data/checksum.hpp"
#include "data/dataset.hpp"
#include "data/rng.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>

#include <cmath>

namespace sgverify {

namespace {

// Grid of the target map T: its entries are multiples of 2^-8 before the division by d_0.
constexpr unsigned target_grid_bits = 8;

}  // namespace

GateSchedule parse_gate_schedule(const std::string& text) {
  if (text == "consistent" || text == "schedule-consistent") return GateSchedule::consistent;
  if (text == "literal" || text == "schedule-literal") return GateSchedule::literal;
  throw InputError("invalid --schedule '" + text + "': use consistent or literal");
}

std::string to_string(GateSchedule schedule) {
  return schedule == GateSchedule::consistent ? "schedule-consistent" : "schedule-literal";
}

std::string to_string(JacobianNorm norm) {
  return norm == JacobianNorm::spectral ? "spectral (power iteration on JJ^T)" : "Frobenius";
}

std::string DeepLinearArchitecture::describe() const {
  std::string text = "widths ";
  for (std::size_t i = 0; i < widths.size(); ++i) text += (i == 0 ? "" : "-") + std::to_string(widths[i]);
  return text + fmt::format(", SG after hidden layer {}", sg_layer);
}

void check_architecture(const DeepLinearArchitecture& architecture) {
  if (architecture.widths.size() < 3) throw InputError("invalid architecture: at least one hidden layer is needed");
  for (const Eigen::Index width : architecture.widths) {
    if (width < 1) throw InputError(fmt::format("invalid architecture: width {} must be at least 1", width));
  }
  if (architecture.sg_layer < 1 || architecture.sg_layer > architecture.depth()) {
    throw InputError(fmt::format("invalid --sg-layer {}: use 1 to the depth {}", architecture.sg_layer, architecture.depth()));
  }
}

DeepLinearProblem::DeepLinearProblem(std::string source_text, Matrix<Rational> inputs, Matrix<Rational> targets)
    : source(std::move(source_text)), X(std::move(inputs)), Y(std::move(targets)) {
  const Eigen::Index d0 = X.rows();
  const Eigen::Index out = Y.rows();
  Matrix<Rational> Z(d0 + out + 1, X.cols());
  Z.topRows(d0) = X;
  Z.middleRows(d0, out) = Y;
  Z.bottomRows(1).setConstant(Rational(1));
  moments = Z * Z.transpose();
}

std::string DeepLinearProblem::checksum() const {
  TextChecksum checksum;
  checksum.feed(std::to_string(X.rows()));
  checksum.feed(std::to_string(Y.rows()));
  checksum.feed(std::to_string(X.cols()));
  for (Eigen::Index i = 0; i < X.size(); ++i) checksum.feed(rational_to_string(X.data()[i]));
  for (Eigen::Index i = 0; i < Y.size(); ++i) checksum.feed(rational_to_string(Y.data()[i]));
  return checksum.hex();
}

DeepLinearProblem make_deep_linear_problem(Eigen::Index input_dim, Eigen::Index output_dim, Eigen::Index samples, std::uint64_t seed) {
  Random random(seed);
  // The target map first, then the samples column by column: this order defines each seed's instance.
  Matrix<Rational> target_map(output_dim, input_dim);
  for (Eigen::Index i = 0; i < target_map.size(); ++i) target_map.data()[i] = random.gaussian(target_grid_bits) / input_dim;
  Matrix<Rational> X(input_dim, samples);
  for (Eigen::Index s = 0; s < samples; ++s)
    for (Eigen::Index i = 0; i < input_dim; ++i) X(i, s) = random.gaussian(default_grid_bits);
  Matrix<Rational> Y = target_map * X;
  return DeepLinearProblem(fmt::format("realizable y = Tx, d_0 = {}, d_out = {}, S = {}, seed {}", input_dim, output_dim, samples, seed),
                           std::move(X), std::move(Y));
}

DeepLinearState<Rational> make_deep_linear_start(const DeepLinearArchitecture& architecture, std::uint64_t seed) {
  // A stream of its own (seed + a fixed offset), so the weights do not reuse the data's draws.
  Random random(seed ^ 0x9e3779b97f4a7c15ULL);
  DeepLinearState<Rational> state;
  for (std::size_t i = 1; i < architecture.widths.size(); ++i) {
    const Eigen::Index rows = architecture.widths[i];
    const Eigen::Index cols = architecture.widths[i - 1];
    const double scale = 1.0 / std::sqrt(static_cast<double>(cols));
    Matrix<Rational> weights(rows, cols);
    for (Eigen::Index k = 0; k < weights.size(); ++k) {
      weights.data()[k] = round_to_dyadic(random.gaussian(default_grid_bits) * Rational(scale), default_grid_bits);
    }
    state.W.push_back(std::move(weights));
  }
  const Eigen::Index width = architecture.widths[static_cast<std::size_t>(architecture.sg_layer)];
  state.C = Matrix<Rational>::Zero(width, width);
  state.D = Matrix<Rational>::Zero(width, architecture.output_dim());
  state.c = Vector<Rational>::Zero(width);
  return state;
}

DeepLinearState<Rational> with_exact_sg(const DeepLinearState<Rational>& state, const DeepLinearArchitecture& architecture) {
  const int j = architecture.sg_layer;
  Matrix<Rational> P = Matrix<Rational>::Identity(architecture.output_dim(), architecture.output_dim());
  for (int i = architecture.depth() + 1; i > j; --i) P = Matrix<Rational>(P * state.W[static_cast<std::size_t>(i - 1)]);
  DeepLinearState<Rational> result = state;
  result.C = P.transpose() * P;
  result.D = -P.transpose();
  result.c = Vector<Rational>::Zero(result.C.rows());
  return result;
}

DeepLinearRun run_deep_linear(const DeepLinearProblem& problem, const DeepLinearState<Rational>& start, const DeepLinearConfig& config) {
  switch (config.arithmetic.kind) {
    case ArithmeticKind::exact:
      return run_deep_linear<Rational>(problem, start, config);
    case ArithmeticKind::mpfr:
      set_multiprecision_bits(config.arithmetic.bits);
      return run_deep_linear<Mpfr>(problem, start, config);
    case ArithmeticKind::double_precision:
      return run_deep_linear<double>(problem, start, config);
    default:
      break;
  }
  throw InputError("invalid arithmetic '" + config.arithmetic.name() + "' for corollary1: use exact, mpfr:BITS or double");
}

}  // namespace sgverify
