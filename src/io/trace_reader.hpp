// Reading a trace back: the instance, the configuration and the recorded steps, checked as
// untrusted input (every missing field, wrong type or malformed number is an InputError).
#pragma once

#include "io/trace.hpp"

#include <filesystem>
#include <istream>

namespace sgverify {

struct LoadedTrace {
  std::string name;      // the file, for messages
  std::string kind;      // theorem1-trajectory, theorem1-counterexample or theorem1-audit-counterexample
  nlohmann::json header;
  std::vector<nlohmann::json> steps;
  // The instance alone: a replay builds its Theorem1Problem (moments and spectral bounds, which
  // cost O(d²S) and more) from it, and `trace show` needs none of that.
  Dataset data;
  Theorem1Config config;
  TraceParameters parameters;
  RowVector<Rational> W_star;
  // Trajectories only, from the checked records: the last recorded step, and the `stop` field
  // of the last record ("" in traces written before that field existed).
  std::int64_t last_k = -1;
  std::string stop;
};

// Throws InputError on a missing, unreadable or malformed trace. For a trajectory it also checks
// every record (k from 0 up, W and ω lists of the right length) and that the file does not end
// before the run did.
LoadedTrace read_trace(const std::filesystem::path& path);

// The same, from text already in memory or from a stream; `name` stands for the file in messages.
LoadedTrace parse_trace(const std::string& text, const std::string& name);
LoadedTrace parse_trace(std::istream& in, const std::string& name);

}  // namespace sgverify
