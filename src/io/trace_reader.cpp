#include "io/trace_reader.hpp"

#include "io/input_error.hpp"
#include "io/json_fields.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace sgverify {

namespace {

// Traces larger than this are rejected before parsing: exact traces of long runs reach tens of
// megabytes, and nothing the suite writes comes near 1 GiB.
constexpr std::uintmax_t max_trace_bytes = std::uintmax_t{1} << 30;

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
  if (dim < 1 || samples < 1 || dim > 10'000 || samples > 10'000'000 || dim * samples > 10'000'000 || grid < 0 || grid > 64) {
    throw InputError(fmt::format("{}: invalid instance size d = {}, S = {} or grid_bits = {}", where, dim, samples, grid));
  }
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

}  // namespace

LoadedTrace read_trace(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw InputError("cannot read trace " + name + ": no such regular file");
  if (std::filesystem::file_size(path, error) > max_trace_bytes || error) throw InputError("cannot read trace " + name + ": larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read trace " + name + ": permission denied or unreadable");
  std::ostringstream contents;
  contents << in.rdbuf();
  return parse_trace(contents.str(), name);
}

LoadedTrace parse_trace(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  LoadedTrace trace;
  trace.name = name;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
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
  trace.problem = std::make_unique<Theorem1Problem>(dataset_from_json(field(trace.header, "instance", where), where + ", instance"));

  const nlohmann::json& parameters = field(trace.header, "parameters", where);
  const std::string parameters_where = where + ", parameters";
  Theorem1Config& config = trace.config;
  config.arithmetic = parse_arithmetic(string_field(parameters, "arithmetic", parameters_where));
  config.mu = parse_mu_schedule(string_field(parameters, "mu", parameters_where));
  config.nu = parse_nu_schedule(string_field(parameters, "nu", parameters_where));
  config.path = parse_path(string_field(parameters, "path", parameters_where));
  config.steps = integer_field(parameters, "steps", parameters_where);
  if (config.steps < 0 || config.steps > 1'000'000'000) throw InputError(parameters_where + ": invalid step count");
  const auto weights = static_cast<std::size_t>(trace.problem->weight_count());
  config.start.W = rational_list<RowVector<Rational>>(field(parameters, "W0", parameters_where), weights, parameters_where + " W0");
  config.start.omega = rational_list<Vector<Rational>>(field(parameters, "omega0", parameters_where), 3, parameters_where + " omega0");
  const nlohmann::json& tolerances = field(parameters, "tolerances", parameters_where);
  config.tolerances.weights_relative = parse_rational(string_field(tolerances, "weights_relative", parameters_where), "tolerance");
  config.tolerances.omega = parse_rational(string_field(tolerances, "omega", parameters_where), "tolerance");
  config.tolerances.xi_relative = parse_rational(string_field(tolerances, "xi_relative", parameters_where), "tolerance");
  trace.parameters.start_kind = string_field(parameters, "start", parameters_where);
  const nlohmann::json& seed = field(parameters, "seed", parameters_where);
  if (!seed.is_number_unsigned() && !seed.is_number_integer()) throw InputError(parameters_where + ": 'seed' must be an integer");
  trace.parameters.seed = seed.get<std::uint64_t>();
  trace.W_star = rational_list<RowVector<Rational>>(field(trace.header, "W_star", where), weights, where + " W_star");
  return trace;
}

}  // namespace sgverify
