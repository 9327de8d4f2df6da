#include "io/corollary1_trace.hpp"

#include "data/checksum.hpp"
#include "io/input_error.hpp"
#include "io/json_fields.hpp"
#include "io/replay_time_limit.hpp"
#include "io/trace.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
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

// A rate field: a positive rational, as `sgverify corollary1` requires of --eps and --nu.
Rational rate_field(const nlohmann::json& header, const char* name, const std::string& where) {
  const std::string text = string_field(header, name, where);
  Rational value;
  try {
    value = parse_rational(text, name);
  } catch (const InputError& error) {
    // "invalid eps 'x': why" becomes "WHERE: invalid field 'eps' 'x': why".
    const std::string message = error.what();
    const std::size_t quote = message.find('\'');
    throw InputError(fmt::format("{}: invalid field '{}' {}", where, name, quote == std::string::npos ? message : message.substr(quote)));
  }
  if (value <= 0) {
    throw InputError(fmt::format("{}: invalid field '{}' '{}': a rate must be positive, as sgverify corollary1 --{} requires; the trace was "
                                 "edited or damaged",
                                 where, name, shortened(text), name));
  }
  return value;
}

// The checksum of DeepLinearProblem::checksum, computed without the data moments, which cost
// (d_0 + d_N + 1)²·S multiplications.
std::string data_checksum(const Matrix<Rational>& X, const Matrix<Rational>& Y) {
  TextChecksum checksum;
  for (const Eigen::Index size : {X.rows(), Y.rows(), X.cols()}) checksum.feed(std::to_string(size));
  for (Eigen::Index i = 0; i < X.size(); ++i) checksum.feed(rational_to_string(X.data()[i]));
  for (Eigen::Index i = 0; i < Y.size(); ++i) checksum.feed(rational_to_string(Y.data()[i]));
  return checksum.hex();
}

// Everything a Corollary 1 trace holds, checked. The data moments are left to the replay, because
// they are the one costly part of building the instance.
struct LoadedCorollary1Trace {
  std::string claim, recorded, recorded_level, detail, source, origin;
  DeepLinearArchitecture architecture;
  DeepLinearState<Rational> state;
  Matrix<Rational> X, Y;
  Rational eps, nu;
};

DeepLinearArchitecture architecture_from_json(const nlohmann::json& header, const std::string& where) {
  DeepLinearArchitecture architecture;
  const nlohmann::json& widths = field(header, "widths", where);
  // 1002 widths is the deepest network that `sgverify corollary1 --depth 1000` builds.
  if (!widths.is_array() || widths.size() < 3 || widths.size() > 1002) throw InputError(where + ": 'widths' must be a list of 3 to 1002 integers");
  for (const nlohmann::json& width : widths) {
    if (!width.is_number_integer() || width.get<std::int64_t>() < 1 || width.get<std::int64_t>() > max_trace_width) {
      throw InputError(fmt::format("{}: invalid field 'widths' {}: use integers from 1 to {}", where, shortened(widths.dump()), max_trace_width));
    }
    architecture.widths.push_back(width.get<Eigen::Index>());
  }
  const std::int64_t sg_layer = integer_field(header, "sg_layer", where);
  // Range-checked here, with the file named, so that check_architecture (which words its messages
  // for the flags of `sgverify corollary1`) finds nothing to reject.
  if (sg_layer < 1 || sg_layer > architecture.depth()) {
    throw InputError(fmt::format("{}: invalid field 'sg_layer' {}: use 1 to the depth {} that 'widths' gives", where, sg_layer,
                                 architecture.depth()));
  }
  architecture.sg_layer = static_cast<int>(sg_layer);
  check_architecture(architecture);
  return architecture;
}

// Rejects a trace whose exact check is larger than any that `sgverify corollary1` runs, before its
// matrices are read.
void check_work(const DeepLinearArchitecture& architecture, const nlohmann::json& header, const std::string& where) {
  const nlohmann::json& X = field(header, "X", where);
  const std::int64_t samples = integer_field(X, "cols", where + " X");
  if (samples < 1 || samples > max_trace_samples) throw InputError(fmt::format("{} X: invalid field 'cols' {}: use 1 to {}", where, samples, max_trace_samples));
  const double work = proofs::exact_check_work(architecture, samples);
  if (work > proofs::max_exact_check_work) {
    throw InputError(fmt::format("{}: the fields 'widths' and 'X' ({}, S = {}) ask for an exact check of about {:.1e} multiplications, "
                                 "more than the {:.0e} of any trace sgverify corollary1 writes; the trace was edited or damaged",
                                 where, architecture.describe(), samples, work, proofs::max_exact_check_work));
  }
}

// Checks that the file has no line after the header but empty ones: a Corollary 1 trace has no
// records, so a further line is a duplicated header or another file's content.
void check_no_records(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  for (int line_number = 2; std::getline(in, line); ++line_number) {
    if (line.empty()) continue;
    throw InputError(fmt::format("{}, line {}: a {} trace is its header line alone, with no records; the file is damaged or joins two "
                                 "traces",
                                 path.string(), line_number, corollary1_trace_kind));
  }
}

// Reads a Corollary 1 trace and checks everything that the file alone determines: the fields, every
// size against `widths`, the rates, the size of the exact check and the checksum.
LoadedCorollary1Trace read_corollary1_trace(const std::filesystem::path& path) {
  const nlohmann::json header = read_trace_header(path);
  const std::string where = path.string() + ", header";
  check_trace_format(header, where);
  LoadedCorollary1Trace trace;
  trace.claim = string_field(header, "claim", where);
  const RecordedOutcome outcome = recorded_outcome(header, where);
  trace.recorded = outcome.verdict;
  trace.recorded_level = outcome.level;
  trace.detail = string_field(header, "detail", where);
  trace.source = string_field(header, "source", where);
  trace.origin = string_field(header, "origin", where);
  try {
    proofs::check_corollary1_claim_id(trace.claim);
  } catch (const InputError&) {
    throw InputError(fmt::format("{}: invalid field 'claim' '{}': a {} trace names {}, {} or {}", where, shortened(trace.claim),
                                 corollary1_trace_kind, proofs::linear_sg_exact_id, proofs::gate_iff_consistent_id, proofs::gate_iff_literal_id));
  }
  if (trace.claim == proofs::convergence_id) throw InputError(where + ": C1.convergence has no replayable counterexample trace");
  trace.eps = rate_field(header, "eps", where);
  trace.nu = rate_field(header, "nu", where);

  trace.architecture = architecture_from_json(header, where);
  const DeepLinearArchitecture& architecture = trace.architecture;
  check_work(architecture, header, where);
  const nlohmann::json& weights = field(header, "W", where);
  if (!weights.is_array() || weights.size() != architecture.widths.size() - 1) throw InputError(where + ": 'W' must hold one matrix per layer");
  for (std::size_t i = 0; i < weights.size(); ++i) {
    trace.state.W.push_back(matrix_from_json(weights[i], fmt::format("{} W_{}", where, i + 1)));
    if (trace.state.W.back().rows() != architecture.widths[i + 1] || trace.state.W.back().cols() != architecture.widths[i]) {
      throw InputError(fmt::format("{}: W_{} does not match the widths", where, i + 1));
    }
  }
  const Eigen::Index width = architecture.widths[static_cast<std::size_t>(architecture.sg_layer)];
  trace.state.C = matrix_from_json(field(header, "C", where), where + " C");
  trace.state.D = matrix_from_json(field(header, "D", where), where + " D");
  const Matrix<Rational> c = matrix_from_json(field(header, "c", where), where + " c");
  if (trace.state.C.rows() != width || trace.state.C.cols() != width || trace.state.D.rows() != width ||
      trace.state.D.cols() != architecture.output_dim() || c.rows() != width || c.cols() != 1) {
    throw InputError(where + ": C, D or c does not match the widths");
  }
  trace.state.c = c.col(0);
  trace.X = matrix_from_json(field(header, "X", where), where + " X", max_trace_samples);
  trace.Y = matrix_from_json(field(header, "Y", where), where + " Y", max_trace_samples);
  if (trace.X.rows() != architecture.input_dim() || trace.Y.rows() != architecture.output_dim() || trace.X.cols() != trace.Y.cols()) {
    throw InputError(where + ": X or Y does not match the widths");
  }
  if (data_checksum(trace.X, trace.Y) != string_field(header, "checksum", where)) {
    throw InputError(where + ": the checksum does not match the data; the trace was modified or truncated");
  }
  check_no_records(path);
  return trace;
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

int replay_corollary1_trace(const std::filesystem::path& path, double time_limit) {
  LoadedCorollary1Trace trace = read_corollary1_trace(path);
  // Steps: the data moments, then the two or three steps of the claim's check.
  const int steps = trace.claim == proofs::linear_sg_exact_id ? 3 : 4;
  const ReplayTimeLimit limit(path.string(), time_limit);
  limit.check(0, steps);
  const std::int64_t samples = trace.X.cols();
  proofs::Corollary1Instance instance{DeepLinearProblem(trace.source, std::move(trace.X), std::move(trace.Y)), trace.architecture,
                                      std::move(trace.state), trace.eps, trace.nu, trace.origin};
  limit.check(1, steps);
  const proofs::CheckProgress progress = [&limit, steps](int steps_done) { limit.check(1 + steps_done, steps); };
  proofs::Corollary1Verdict verdict;
  {
    // One step of the check can take long on entries of many digits, which the work estimate of
    // the reader does not count, so a watchdog also bounds each step. Nothing is printed before
    // the check ends.
    const ReplayWatchdog watchdog(path.string(), time_limit);
    verdict = trace.claim == proofs::linear_sg_exact_id
                  ? proofs::check_linear_sg_exact(instance, progress)
                  : proofs::check_gate_iff(instance, trace.claim == proofs::gate_iff_consistent_id ? GateSchedule::consistent : GateSchedule::literal,
                                           progress);
  }
  std::cout << fmt::format("claim {}: recorded verdict {} ({})\n", trace.claim, trace.recorded, trace.recorded_level);
  std::cout << fmt::format("instance: {}, S = {}, state: {}\n", trace.architecture.describe(), samples, instance.origin);
  std::cout << fmt::format("replayed verdict {} ({}): {}\n", to_string(verdict.verdict), to_string(verdict.evidence), verdict.detail);
  const bool reproduced = to_string(verdict.verdict) == trace.recorded && to_string(verdict.evidence) == trace.recorded_level;
  std::cout << (reproduced ? "reproduced: the recorded verdict " + trace.recorded + " follows from this trace\n"
                           : "NOT reproduced: the trace records " + trace.recorded + "\n");
  return reproduced ? 0 : 1;
}

int show_corollary1_trace(const std::filesystem::path& path) {
  const LoadedCorollary1Trace trace = read_corollary1_trace(path);
  std::string text = fmt::format("{} trace, format version {}\n", corollary1_trace_kind, trace_format_version);
  text += fmt::format("claim {}: {} ({})\n{}\n", trace.claim, trace.recorded, trace.recorded_level, trace.detail);
  text += fmt::format("instance: {}, {}, S = {}, eps {}, nu {}, state: {}\n", trace.source, trace.architecture.describe(), trace.X.cols(),
                      rational_to_string(trace.eps), rational_to_string(trace.nu), trace.origin);
  std::cout << text;
  return 0;
}

}  // namespace sgverify
