#include "io/trace.hpp"

#include "numeric/rational.hpp"

namespace sgverify {

namespace {

template <class Container>
nlohmann::json rational_strings(const Container& values) {
  nlohmann::json list = nlohmann::json::array();
  for (Eigen::Index i = 0; i < values.size(); ++i) list.push_back(rational_to_string(values(i)));
  return list;
}

nlohmann::json step_to_json(const RecordedStep& step) {
  return {{"k", step.k},
          {"W", step.W},
          {"omega", step.omega},
          {"mu", step.mu_text},
          {"nu", step.nu_text},
          {"loss", step.loss},
          {"weights_error", step.weights_error},
          {"omega_norm", step.omega_norm},
          {"xi_norm", step.xi_norm},
          {"f_norm", step.f_norm},
          {"max_width", step.max_width}};
}

nlohmann::json header_json(const std::string& kind, const Theorem1Problem& problem, const Theorem1Config& config,
                           const TraceParameters& parameters, const RowVector<Rational>& W_star) {
  const SpectralBounds& spectrum = problem.spectrum;
  return {{"format", "sgverify-trace"},
          {"version", trace_format_version},
          {"kind", kind},
          {"tool_version", SGVERIFY_VERSION},
          {"instance", instance_to_json(problem.data)},
          {"parameters", theorem1_parameters_to_json(config, parameters)},
          {"spectrum",
           {{"b_lower", rational_to_string(spectrum.b_lower)},
            {"norm_upper", rational_to_string(spectrum.norm_upper)},
            {"certified", spectrum.certified},
            {"rank", spectrum.rank}}},
          {"W_star", rational_strings(W_star)}};
}

}  // namespace

nlohmann::json instance_to_json(const Dataset& data) {
  nlohmann::json samples = nlohmann::json::array();
  for (Eigen::Index s = 0; s < data.samples(); ++s) samples.push_back(rational_strings(Vector<Rational>(data.X.col(s))));
  return {{"source", data.source},
          {"grid_bits", data.grid_bits},
          {"d", data.dim()},
          {"S", data.samples()},
          {"features", data.feature_names},
          {"target", data.target_name},
          {"target_encoding", data.target_encoding},
          {"checksum", data.checksum()},
          {"X", samples},
          {"y", rational_strings(data.y)}};
}

nlohmann::json theorem1_parameters_to_json(const Theorem1Config& config, const TraceParameters& parameters) {
  return {{"arithmetic", config.arithmetic.name()},
          {"steps", config.steps},
          {"mu", config.mu.name()},
          {"nu", config.nu.name()},
          {"start", parameters.start_kind},
          {"path", to_string(config.path)},
          {"seed", parameters.seed},
          {"W0", rational_strings(config.start.W)},
          {"omega0", rational_strings(config.start.omega)},
          {"tolerances",
           {{"weights_relative", rational_to_string(config.tolerances.weights_relative)},
            {"omega", rational_to_string(config.tolerances.omega)},
            {"xi_relative", rational_to_string(config.tolerances.xi_relative)}}}};
}

std::string trajectory_stop_text(const Theorem1Run& run) { return run.stop_reason.empty() ? "completed" : run.stop_reason; }

std::string theorem1_trace_text(const Theorem1Problem& problem, const Theorem1Config& config, const TraceParameters& parameters,
                                const RowVector<Rational>& W_star, const Theorem1Run& run) {
  std::string text = header_json("theorem1-trajectory", problem, config, parameters, W_star).dump() + "\n";
  for (std::size_t i = 0; i < run.trajectory.size(); ++i) {
    nlohmann::json record = step_to_json(run.trajectory[i]);
    // The last record gives the reason the run ended, so a reader can distinguish an early stop
    // from a file cut short at a line boundary.
    if (i + 1 == run.trajectory.size()) record["stop"] = trajectory_stop_text(run);
    text += record.dump() + "\n";
  }
  return text;
}

std::string counterexample_trace_text(const std::string& kind, const Theorem1Problem& problem, const Theorem1Config& config,
                                      const TraceParameters& parameters, const RowVector<Rational>& W_star,
                                      const ClaimResult& claim, const Theorem1Run& exact_run) {
  nlohmann::json header = header_json(kind, problem, config, parameters, W_star);
  header["claim"] = claim.id;
  header["verdict"] = to_string(claim.verdict);
  header["level"] = to_string(claim.evidence);
  header["detail"] = claim.detail;
  std::string text = header.dump() + "\n";
  for (const RecordedStep& step : exact_run.trajectory) text += step_to_json(step).dump() + "\n";
  return text;
}

}  // namespace sgverify
