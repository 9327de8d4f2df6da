#include "io/corollary1_trace.hpp"

#include "io/input_error.hpp"
#include "io/json_fields.hpp"
#include "io/trace.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace sgverify {

namespace {

// The largest width and sample count that `sgverify corollary1` accepts, and so the largest matrix
// sides of a trace it writes. The count of JSON values in a trace bounds the entries in all.
constexpr std::int64_t max_trace_width = 4096;
constexpr std::int64_t max_trace_samples = 10'000'000;

nlohmann::json matrix_json(const Matrix<Rational>& matrix) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index k = 0; k < matrix.cols(); ++k) row.push_back(rational_to_string(matrix(i, k)));
    rows.push_back(row);
  }
  return {{"rows", matrix.rows()}, {"cols", matrix.cols()}, {"entries", rows}};
}

// A matrix of at most max_trace_width rows and `max_cols` columns.
Matrix<Rational> matrix_from_json(const nlohmann::json& json, const std::string& where, std::int64_t max_cols = max_trace_width) {
  if (!json.is_object() || !json.contains("rows") || !json.contains("cols") || !json.contains("entries") ||
      !json["rows"].is_number_integer() || !json["cols"].is_number_integer() || !json["entries"].is_array()) {
    throw InputError(where + ": expected an object with integer 'rows', 'cols' and a list 'entries'");
  }
  const std::int64_t rows = json["rows"].get<std::int64_t>();
  const std::int64_t cols = json["cols"].get<std::int64_t>();
  if (rows < 0 || cols < 0 || rows > max_trace_width || cols > max_cols || json["entries"].size() != static_cast<std::size_t>(rows)) {
    throw InputError(fmt::format("{}: invalid size {} x {}", where, rows, cols));
  }
  // Check every row's length before allocating, so that short rows cannot request rows x cols rationals.
  for (std::int64_t i = 0; i < rows; ++i) {
    const nlohmann::json& row = json["entries"][static_cast<std::size_t>(i)];
    if (!row.is_array() || row.size() != static_cast<std::size_t>(cols)) throw InputError(fmt::format("{}: row {} must hold {} entries", where, i + 1, cols));
  }
  Matrix<Rational> matrix(rows, cols);
  for (std::int64_t i = 0; i < rows; ++i) {
    const nlohmann::json& row = json["entries"][static_cast<std::size_t>(i)];
    for (std::int64_t k = 0; k < cols; ++k) {
      const nlohmann::json& entry = row[static_cast<std::size_t>(k)];
      if (!entry.is_string()) throw InputError(fmt::format("{}: entry ({}, {}) must be a string such as \"3/8\"", where, i + 1, k + 1));
      matrix(i, k) = parse_rational(entry.get<std::string>(), fmt::format("{} entry ({}, {})", where, i + 1, k + 1));
    }
  }
  return matrix;
}

}  // namespace

std::string corollary1_trace_text(const proofs::Corollary1Instance& instance, const ClaimResult& claim) {
  nlohmann::json weights = nlohmann::json::array();
  for (const Matrix<Rational>& W : instance.state.W) weights.push_back(matrix_json(W));
  const nlohmann::json header{{"format", "sgverify-trace"},
                              {"version", trace_format_version},
                              {"kind", corollary1_trace_kind},
                              {"tool_version", SGVERIFY_VERSION},
                              {"claim", claim.id},
                              {"verdict", to_string(claim.verdict)},
                              {"level", to_string(claim.evidence)},
                              {"detail", claim.detail},
                              {"source", instance.problem.source},
                              {"checksum", instance.problem.checksum()},
                              {"origin", instance.origin},
                              {"widths", instance.architecture.widths},
                              {"sg_layer", instance.architecture.sg_layer},
                              {"eps", rational_to_string(instance.eps)},
                              {"nu", rational_to_string(instance.nu)},
                              {"X", matrix_json(instance.problem.X)},
                              {"Y", matrix_json(instance.problem.Y)},
                              {"W", weights},
                              {"C", matrix_json(instance.state.C)},
                              {"D", matrix_json(instance.state.D)},
                              {"c", matrix_json(instance.state.c)}};
  return header.dump() + "\n";
}

bool is_corollary1_trace(const std::filesystem::path& path) {
  return trace_kind(path) == corollary1_trace_kind;
}

int replay_corollary1_trace(const std::filesystem::path& path) {
  const nlohmann::json header = read_trace_header(path);
  const std::string where = path.string() + ", header";
  check_trace_format(header, where);
  const std::string claim = string_field(header, "claim", where);
  const std::string recorded = string_field(header, "verdict", where);
  const std::string recorded_level = string_field(header, "level", where);
  proofs::check_corollary1_claim_id(claim);
  if (claim == proofs::convergence_id) throw InputError(where + ": C1.convergence has no replayable counterexample trace");

  DeepLinearArchitecture architecture;
  const nlohmann::json& widths = field(header, "widths", where);
  if (!widths.is_array()) throw InputError(where + ": 'widths' must be a list of integers");
  for (const nlohmann::json& width : widths) {
    if (!width.is_number_integer()) throw InputError(where + ": 'widths' must be a list of integers");
    architecture.widths.push_back(width.get<Eigen::Index>());
  }
  const std::int64_t sg_layer = integer_field(header, "sg_layer", where);
  // Range-checked here, because a larger value would wrap in the int that check_architecture reads.
  if (sg_layer < 1 || sg_layer > static_cast<std::int64_t>(architecture.widths.size())) {
    throw InputError(fmt::format("{}: invalid sg_layer {}: use 1 to {}", where, sg_layer, architecture.widths.size()));
  }
  architecture.sg_layer = static_cast<int>(sg_layer);
  check_architecture(architecture);

  DeepLinearState<Rational> state;
  const nlohmann::json& weights = field(header, "W", where);
  if (!weights.is_array() || weights.size() != architecture.widths.size() - 1) throw InputError(where + ": 'W' must hold one matrix per layer");
  for (std::size_t i = 0; i < weights.size(); ++i) {
    state.W.push_back(matrix_from_json(weights[i], fmt::format("{} W_{}", where, i + 1)));
    if (state.W.back().rows() != architecture.widths[i + 1] || state.W.back().cols() != architecture.widths[i]) {
      throw InputError(fmt::format("{}: W_{} does not match the widths", where, i + 1));
    }
  }
  const Eigen::Index width = architecture.widths[static_cast<std::size_t>(architecture.sg_layer)];
  state.C = matrix_from_json(field(header, "C", where), where + " C");
  state.D = matrix_from_json(field(header, "D", where), where + " D");
  const Matrix<Rational> c = matrix_from_json(field(header, "c", where), where + " c");
  if (state.C.rows() != width || state.C.cols() != width || state.D.rows() != width || state.D.cols() != architecture.output_dim() ||
      c.rows() != width || c.cols() != 1) {
    throw InputError(where + ": C, D or c does not match the widths");
  }
  state.c = c.col(0);
  const Matrix<Rational> X = matrix_from_json(field(header, "X", where), where + " X", max_trace_samples);
  const Matrix<Rational> Y = matrix_from_json(field(header, "Y", where), where + " Y", max_trace_samples);
  if (X.rows() != architecture.input_dim() || Y.rows() != architecture.output_dim() || X.cols() != Y.cols() || X.cols() < 1) {
    throw InputError(where + ": X or Y does not match the widths");
  }
  proofs::Corollary1Instance instance{DeepLinearProblem(string_field(header, "source", where), X, Y), architecture, state,
                                      parse_rational(string_field(header, "eps", where), "eps"),
                                      parse_rational(string_field(header, "nu", where), "nu"), string_field(header, "origin", where)};
  if (instance.problem.checksum() != string_field(header, "checksum", where)) {
    throw InputError(where + ": the checksum does not match the data; the trace was modified or truncated");
  }

  const proofs::Corollary1Verdict verdict =
      claim == proofs::linear_sg_exact_id ? proofs::check_linear_sg_exact(instance)
                                          : proofs::check_gate_iff(instance, claim == proofs::gate_iff_consistent_id ? GateSchedule::consistent
                                                                                                                    : GateSchedule::literal);
  std::cout << fmt::format("claim {}: recorded verdict {} ({})\n", claim, recorded, recorded_level);
  std::cout << fmt::format("instance: {}, S = {}, state: {}\n", architecture.describe(), X.cols(), instance.origin);
  std::cout << fmt::format("replayed verdict {} ({}): {}\n", to_string(verdict.verdict), to_string(verdict.evidence), verdict.detail);
  const bool reproduced = to_string(verdict.verdict) == recorded && to_string(verdict.evidence) == recorded_level;
  std::cout << (reproduced ? "reproduced: the recorded verdict " + recorded + " follows from this trace\n"
                           : "NOT reproduced: the trace records " + recorded + "\n");
  return reproduced ? 0 : 1;
}

int show_corollary1_trace(const std::filesystem::path& path) {
  const nlohmann::json header = read_trace_header(path);
  const std::string where = path.string() + ", header";
  check_trace_format(header, where);
  // The whole text is built before any of it is printed, so a malformed field prints only its error.
  std::string text = fmt::format("{} trace, format version {}\n", corollary1_trace_kind, trace_format_version);
  text += fmt::format("claim {}: {} ({})\n{}\n", string_field(header, "claim", where), string_field(header, "verdict", where),
                      string_field(header, "level", where), string_field(header, "detail", where));
  text += fmt::format("instance: {}, widths {}, SG after layer {}, eps {}, nu {}, state: {}\n", string_field(header, "source", where),
                      field(header, "widths", where).dump(), field(header, "sg_layer", where).dump(), string_field(header, "eps", where),
                      string_field(header, "nu", where), string_field(header, "origin", where));
  std::cout << text;
  return 0;
}

}  // namespace sgverify
