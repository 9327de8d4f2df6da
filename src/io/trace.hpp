// Traces: JSON Lines files that hold a whole Theorem 1 instance and every parameter, exact
// values as strings, so that a run or a counterexample can be rebuilt from the file alone.
// Line 1 is the header; each further line is one recorded step.
#pragma once

#include "claims/verdict.hpp"
#include "io/json_fields.hpp"
#include "models/theorem1.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace sgverify {

struct TraceParameters {
  std::string start_kind;  // paper, zero, random or a name of a constructed start
  std::uint64_t seed = 0;
};

nlohmann::json instance_to_json(const Dataset& data);
nlohmann::json theorem1_parameters_to_json(const Theorem1Config& config, const TraceParameters& parameters);

// The `stop` field of a trajectory's last record: "completed", or the run's stop reason.
std::string trajectory_stop_text(const Theorem1Run& run);

// Header line, then one line per recorded step. The last record also contains `stop`.
std::string theorem1_trace_text(const Theorem1Problem& problem, const Theorem1Config& config, const TraceParameters& parameters,
                                const RowVector<Rational>& W_star, const Theorem1Run& run);

// A counterexample trace: the header of a one-step exact run from the counterexample's start,
// with the claim it refutes and the verdict a replay must reproduce. `kind` is
// theorem1-counterexample (a fixed point, replayed by stepping) or theorem1-audit-counterexample
// (a state on which one proof step fails, replayed by that step's check).
std::string counterexample_trace_text(const std::string& kind, const Theorem1Problem& problem, const Theorem1Config& config,
                                      const TraceParameters& parameters, const RowVector<Rational>& W_star,
                                      const ClaimResult& claim, const Theorem1Run& exact_run);

}  // namespace sgverify
