#include "io/trace_reader.hpp"

#include "claims/theorem1_claims.hpp"
#include "io/input_error.hpp"
#include "io/json_fields.hpp"
#include "numeric/rational.hpp"
#include "proofs/theorem1_audit.hpp"
#include "report/theorem1_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sgverify {

namespace {

// The fix for a trace beyond the limits of every run: nothing in sgverify writes it.
constexpr const char* written_by_no_run = "no sgverify run writes such a trace, so it was edited or damaged";

// Steps that a theorem1-counterexample replay repeats at most.
constexpr std::int64_t max_fixed_point_steps = 100;

template <class Result>
Result rational_list(const nlohmann::json& list, std::size_t expected, const std::string& where) {
  if (!list.is_array() || list.size() != expected) {
    throw InputError(fmt::format("{}: expected a list of {} numbers as strings", where, expected));
  }
  Result result(static_cast<Eigen::Index>(expected));
  for (std::size_t i = 0; i < expected; ++i) {
    if (!list[i].is_string()) throw InputError(fmt::format("{}: entry {} must be a string such as \"3/8\"", where, i + 1));
    result(static_cast<Eigen::Index>(i)) = parse_rational(list[i].get<std::string>(), fmt::format("{} entry {}", where, i + 1));
  }
  return result;
}

Dataset dataset_from_json(const nlohmann::json& instance, const std::string& where) {
  Dataset data;
  data.source = string_field(instance, "source", where);
  const std::int64_t dim = integer_field(instance, "d", where);
  const std::int64_t samples = integer_field(instance, "S", where);
  const std::int64_t grid = integer_field(instance, "grid_bits", where);
  check_theorem1_size(dim, samples, where, written_by_no_run);
  if (grid < 0 || grid > 64) throw InputError(fmt::format("{}: invalid field 'grid_bits' {}: use 0 to 64", where, grid));
  data.grid_bits = static_cast<unsigned>(grid);

  data.target_name = string_field(instance, "target", where);
  data.target_encoding = string_field(instance, "target_encoding", where);
  const nlohmann::json& features = field(instance, "features", where);
  if (!features.is_array() || features.size() != static_cast<std::size_t>(dim)) throw InputError(where + ": 'features' must list d names");
  for (const auto& name : features) {
    if (!name.is_string()) throw InputError(where + ": feature names must be strings");
    data.feature_names.push_back(name.get<std::string>());
  }

  const nlohmann::json& columns = field(instance, "X", where);
  if (!columns.is_array() || columns.size() != static_cast<std::size_t>(samples)) throw InputError(where + ": 'X' must hold S samples");
  // Check every sample's length before allocating the d x S matrix, so that a few bytes of short
  // lists cannot request 10^7 rationals.
  for (std::int64_t s = 0; s < samples; ++s) {
    const nlohmann::json& column = columns[static_cast<std::size_t>(s)];
    if (!column.is_array() || column.size() != static_cast<std::size_t>(dim)) {
      throw InputError(fmt::format("{} sample {}: expected a list of {} numbers as strings", where, s + 1, dim));
    }
  }
  data.X.resize(dim, samples);
  for (std::int64_t s = 0; s < samples; ++s) {
    data.X.col(s) = rational_list<Vector<Rational>>(columns[static_cast<std::size_t>(s)], static_cast<std::size_t>(dim),
                                                    fmt::format("{} sample {}", where, s + 1));
  }
  data.y = rational_list<RowVector<Rational>>(field(instance, "y", where), static_cast<std::size_t>(samples), where + " targets");
  check_representable(data, where);

  const std::string checksum = string_field(instance, "checksum", where);
  if (checksum != data.checksum()) {
    throw InputError(fmt::format("{}: checksum {} does not match the data ({}); the trace was modified or truncated", where,
                                 checksum, data.checksum()));
  }
  return data;
}

// A list of `expected` strings, left as text: a replay compares it with its own steps' text.
void check_string_list(const nlohmann::json& record, const char* name, std::size_t expected, const std::string& where) {
  const nlohmann::json& list = field(record, name, where);
  if (!list.is_array() || list.size() != expected) throw InputError(fmt::format("{}: '{}' must be a list of {} strings", where, name, expected));
  for (const auto& entry : list) {
    if (!entry.is_string()) throw InputError(fmt::format("{}: '{}' must be a list of {} strings", where, name, expected));
  }
}

// Checks the numbers that `trace show` prints from a record, so that show and replay accept the
// same files.
void check_record_numbers(const nlohmann::json& record, const std::string& where) {
  for (const char* name : {"loss", "weights_error", "omega_norm", "xi_norm"}) optional_number_field(record, name, 0.0, where);
}

// Checks the records of a trajectory before anything is replayed, so that a damaged file is bad
// input (exit 2) and a replay never runs further than the last recorded step.
void check_trajectory_records(LoadedTrace& trace) {
  if (trace.steps.empty()) throw InputError(trace.name + ": the trajectory has no recorded steps; the file is truncated");
  const auto weights = static_cast<std::size_t>(trace.data.dim() + 1);
  const RecordSchedule schedule(trace.config.steps);
  std::int64_t previous = -1;
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    const nlohmann::json& record = trace.steps[i];
    const std::string where = fmt::format("{}, record {}", trace.name, i + 1);
    const std::int64_t k = integer_field(record, "k", where);
    const bool last = i + 1 == trace.steps.size();
    // The writer records each scheduled step, and ends with its last step, which may come before
    // the next scheduled one when the run stops early.
    const std::int64_t expected = i == 0 ? 0 : std::min(schedule.next_after(previous), trace.config.steps);
    if (k < 0 || k > trace.config.steps || (last ? (k <= previous || k > expected) : k != expected)) {
      throw InputError(fmt::format("{}: k = {} where the run records step {}; the records of a {}-step run follow its record "
                                   "schedule from k = 0, so a record is missing, repeated or out of order",
                                   where, k, expected, trace.config.steps));
    }
    previous = k;
    check_string_list(record, "W", weights, where);
    check_string_list(record, "omega", 3, where);
    check_record_numbers(record, where);
    if (record.contains("stop") && !last) throw InputError(where + ": only the last record may hold 'stop'");
    if (last) trace.stop = optional_string_field(record, "stop", "", where);
  }
  trace.last_k = previous;
  // A run ends at its last step or with a stop reason in its last record; any other end is a cut.
  if (trace.last_k < trace.config.steps && trace.stop.empty()) {
    throw InputError(fmt::format("{}: the trace ends at step {} of the {} steps of its run and does not record why the run stopped; "
                                 "the file is truncated",
                                 trace.name, trace.last_k, trace.config.steps));
  }
  // The writer's stop is "completed" after the last step, or "stopped at step K: reason" at the
  // last record's step K.
  const std::string stopped_here = fmt::format("stopped at step {}: ", trace.last_k);
  const bool completed = trace.stop == "completed" && trace.last_k == trace.config.steps;
  const bool stopped = trace.stop.starts_with(stopped_here) && trace.stop.size() > stopped_here.size();
  if (!trace.stop.empty() && !completed && !stopped) {
    const std::string allowed = fmt::format("{}\"{}REASON\"", trace.last_k == trace.config.steps ? "\"completed\" or " : "", stopped_here);
    throw InputError(fmt::format("{}, record {}: invalid field 'stop' '{}': the last record, at step {} of {}, must say {}; the "
                                 "file was edited or damaged",
                                 trace.name, trace.steps.size(), shortened(trace.stop), trace.last_k, trace.config.steps, allowed));
  }
}

// Checks the records of a counterexample: the writers record every step of the exact run from the
// counterexample's state, k = 0, 1, ... with no gap, and no `stop`. A fixed point's run does all
// its steps. Another counterexample's run may stop early (its weights may diverge), so its last
// record may come before step `steps`.
void check_counterexample_records(const LoadedTrace& trace) {
  const auto weights = static_cast<std::size_t>(trace.data.dim() + 1);
  const bool fixed_point = trace.kind == "theorem1-counterexample";
  // Both writers record a one-step run. A fixed point's replay repeats the steps of the header, so
  // a larger count checks more steps (bounded by --time-limit), and an audit replay checks one step.
  const std::int64_t max_steps = fixed_point ? max_fixed_point_steps : 1;
  if (trace.config.steps < 1 || trace.config.steps > max_steps) {
    const std::string allowed = max_steps > 1 ? fmt::format("1 to {} steps", max_steps) : "exactly 1 step";
    throw InputError(fmt::format("{}, header, parameters: invalid field 'steps' {}: a {} trace has {}; {}", trace.name,
                                 trace.config.steps, trace.kind, allowed, written_by_no_run));
  }
  if (trace.steps.empty()) throw InputError(trace.name + ": the counterexample has no recorded steps; the file is truncated");
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    const nlohmann::json& record = trace.steps[i];
    const std::string where = fmt::format("{}, record {}", trace.name, i + 1);
    const std::int64_t k = integer_field(record, "k", where);
    if (k != static_cast<std::int64_t>(i) || k > trace.config.steps) {
      throw InputError(fmt::format("{}: k = {} is out of order; a counterexample records every step k = 0, 1, ... up to the {} of its "
                                   "run once each",
                                   where, k, trace.config.steps));
    }
    check_string_list(record, "W", weights, where);
    check_string_list(record, "omega", 3, where);
    check_record_numbers(record, where);
    if (record.contains("stop")) throw InputError(where + ": 'stop' is not allowed in a counterexample's records");
  }
  const auto recorded = static_cast<std::int64_t>(trace.steps.size());
  if (fixed_point && recorded != trace.config.steps + 1) {
    throw InputError(fmt::format("{}: the trace records steps 0 to {} of the {} steps of its run; the file is truncated", trace.name,
                                 recorded - 1, trace.config.steps));
  }
}

// Checks the claim, verdict and level of a counterexample's header against what its kind can
// show: a fixed point refutes T1.global-attraction exactly, and an audit trace names a proof step
// of the audit with a verdict and a level of evidence. A replay compares the rest with its own
// result.
void check_counterexample_claim(const LoadedTrace& trace) {
  const std::string where = trace.name + ", header";
  const std::string claim = string_field(trace.header, "claim", where);
  const auto [verdict, level] = recorded_outcome(trace.header, where);
  if (trace.kind == "theorem1-counterexample") {
    if (claim != global_attraction_id || verdict != "refuted" || level != "exact") {
      throw InputError(fmt::format("{}: claim '{}', verdict '{}', level '{}': a theorem1-counterexample trace records claim {}, "
                                   "verdict refuted, level exact; {}",
                                   where, shortened(claim), shortened(verdict), shortened(level), global_attraction_id, written_by_no_run));
    }
    return;
  }
  const auto& steps = proofs::theorem1_steps();
  if (std::none_of(steps.begin(), steps.end(), [&claim](const proofs::ProofStep& step) { return step.id == claim; })) {
    throw InputError(fmt::format("{}: invalid field 'claim' '{}': a theorem1-audit-counterexample trace names a proof step ({}); {}", where,
                                 shortened(claim), proofs::theorem1_step_ids(), written_by_no_run));
  }
}

// Returns whether `value` converts to a finite number of type T.
template <class T>
bool finite_as(const Rational& value) {
  return ScalarTraits<T>::is_finite(ScalarTraits<T>::from_rational(value));
}

// Rejects a start that the run's arithmetic cannot hold, such as W0 = 1e400 in double: its W*
// would be computed from infinities. Every start that sgverify writes is small.
void check_start_in_range(const Theorem1Config& config, const std::string& where) {
  bool (*finite)(const Rational&) = nullptr;
  if (config.arithmetic.kind == ArithmeticKind::double_precision) finite = finite_as<double>;
  if (config.arithmetic.kind == ArithmeticKind::long_double) finite = finite_as<long double>;
  if (finite == nullptr) return;
  for (const auto& [name, values] : {std::pair<const char*, std::vector<Rational>>{"W0", {config.start.W.begin(), config.start.W.end()}},
                                     {"omega0", {config.start.omega.begin(), config.start.omega.end()}}}) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (finite(values[i])) continue;
      throw InputError(fmt::format("{}: {} entry {} is beyond the range of {} arithmetic; {}", where, name, i + 1,
                                   config.arithmetic.name(), written_by_no_run));
    }
  }
}

// Reads a string field with the parser that also reads the matching flag, and words its error
// for the trace: "invalid --mu 'x': ..." becomes "WHERE: invalid field 'mu' 'x': ...".
template <class Parse>
auto parsed_field(const nlohmann::json& object, const char* name, const std::string& where, Parse parse) {
  const std::string text = string_field(object, name, where);
  try {
    return parse(text);
  } catch (const InputError& error) {
    std::string message = error.what();
    if (message.starts_with("invalid ")) message = message.substr(8);
    // Drop the flag or the field's own name: "--mu 'x': ..." or "arithmetic 'x': ..." is "'x': ...".
    if (message.starts_with("--") || message.starts_with(std::string(name) + " ")) message = message.substr(message.find(' ') + 1);
    throw InputError(fmt::format("{}: invalid field '{}' {}", where, name, message));
  }
}

}  // namespace

LoadedTrace read_trace(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw InputError("cannot read trace " + name + ": no such regular file");
  if (std::filesystem::file_size(path, error) > max_trace_bytes || error) throw InputError("cannot read trace " + name + ": larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read trace " + name + ": permission denied or unreadable");
  return parse_trace(in, name);
}

LoadedTrace parse_trace(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  return parse_trace(in, name);
}

LoadedTrace parse_trace(std::istream& in, const std::string& name) {
  LoadedTrace trace;
  std::size_t values_left = max_trace_values;
  trace.name = name;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    nlohmann::json parsed = parse_trace_line(line, values_left, fmt::format("{}, line {}", name, line_number));
    if (parsed.is_discarded() || !parsed.is_object()) {
      throw InputError(fmt::format("{}, line {}: not a JSON object; the trace is malformed or truncated", name, line_number));
    }
    if (trace.header.is_null()) trace.header = std::move(parsed);
    else trace.steps.push_back(std::move(parsed));
  }
  if (trace.header.is_null()) throw InputError(name + ": the trace is empty");

  const std::string where = name + ", header";
  check_trace_format(trace.header, where);
  trace.kind = string_field(trace.header, "kind", where);
  if (trace.kind != "theorem1-trajectory" && trace.kind != "theorem1-counterexample" && trace.kind != "theorem1-audit-counterexample") {
    throw InputError(where + ": unknown trace kind '" + trace.kind + "'");
  }
  trace.data = dataset_from_json(field(trace.header, "instance", where), where + ", instance");
  // The check of a proof step forms S × S matrices (4.6 GB for S = 5000), so an audit trace may
  // contain no larger instance than the audit generates.
  if (trace.kind == "theorem1-audit-counterexample" &&
      (trace.data.dim() > proofs::max_audit_dim || trace.data.samples() > proofs::max_audit_samples)) {
    throw InputError(fmt::format("{}, instance: d = {} features and S = {} samples exceed the limits of an audit instance (d at most {}, "
                                 "S at most {}); {}",
                                 where, trace.data.dim(), trace.data.samples(), proofs::max_audit_dim, proofs::max_audit_samples,
                                 written_by_no_run));
  }

  const nlohmann::json& parameters = field(trace.header, "parameters", where);
  const std::string parameters_where = where + ", parameters";
  Theorem1Config& config = trace.config;
  config.arithmetic = parsed_field(parameters, "arithmetic", parameters_where,
                                   [](const std::string& text) { return parse_arithmetic(text, max_theorem1_bits); });
  config.mu = parsed_field(parameters, "mu", parameters_where, parse_mu_schedule);
  config.nu = parsed_field(parameters, "nu", parameters_where, parse_nu_schedule);
  config.path = parsed_field(parameters, "path", parameters_where, parse_path);
  check_theorem1_precision(config.arithmetic, trace.data.dim(), trace.data.samples(), parameters_where, written_by_no_run);
  config.steps = integer_field(parameters, "steps", parameters_where);
  if (config.steps < 0 || config.steps > 1'000'000'000) {
    throw InputError(fmt::format("{}: invalid field 'steps' {}: a run has 0 to 1000000000 steps", parameters_where, config.steps));
  }
  const auto weights = static_cast<std::size_t>(trace.data.dim() + 1);
  config.start.W = rational_list<RowVector<Rational>>(field(parameters, "W0", parameters_where), weights, parameters_where + " W0");
  config.start.omega = rational_list<Vector<Rational>>(field(parameters, "omega0", parameters_where), 3, parameters_where + " omega0");
  check_start_in_range(config, parameters_where);
  const nlohmann::json& tolerances = field(parameters, "tolerances", parameters_where);
  const auto rational = [](const std::string& text) { return parse_rational(text, "--tolerance"); };
  config.tolerances.weights_relative = parsed_field(tolerances, "weights_relative", parameters_where + ", tolerances", rational);
  config.tolerances.omega = parsed_field(tolerances, "omega", parameters_where + ", tolerances", rational);
  config.tolerances.xi_relative = parsed_field(tolerances, "xi_relative", parameters_where + ", tolerances", rational);
  for (const auto& [name, value] : {std::pair{"weights_relative", &config.tolerances.weights_relative},
                                     std::pair{"omega", &config.tolerances.omega}, std::pair{"xi_relative", &config.tolerances.xi_relative}}) {
    if (*value < 0) {
      throw InputError(fmt::format("{}, tolerances: invalid field '{}' {}: a tolerance is 0 or more; {}", parameters_where, name,
                                   rational_to_string(*value), written_by_no_run));
    }
  }
  trace.parameters.start_kind = string_field(parameters, "start", parameters_where);
  trace.parameters.seed = unsigned_field(parameters, "seed", parameters_where);
  // The spectrum is informational (replays recompute it), but it must have the documented form.
  const nlohmann::json& spectrum = field(trace.header, "spectrum", where);
  for (const char* name : {"b_lower", "norm_upper"}) string_field(spectrum, name, where + ", spectrum");
  if (!field(spectrum, "certified", where + ", spectrum").is_boolean()) throw InputError(where + ", spectrum: field 'certified' must be true or false");
  integer_field(spectrum, "rank", where + ", spectrum");
  trace.W_star = rational_list<RowVector<Rational>>(field(trace.header, "W_star", where), weights, where + " W_star");
  optional_string_field(trace.header, "detail", "", where);  // printed by show
  if (trace.kind == "theorem1-trajectory") {
    check_trajectory_records(trace);
  } else {
    check_counterexample_claim(trace);
    check_counterexample_records(trace);
  }
  return trace;
}

}  // namespace sgverify
