// Reading a trace back: the instance, the configuration and the recorded steps, checked as
// untrusted input (every missing field, wrong type or malformed number is an InputError).
#pragma once

#include "io/trace.hpp"

#include <filesystem>

namespace sgverify {

struct LoadedTrace {
  std::string name;      // the file, for messages
  std::string kind;      // theorem1-trajectory, theorem1-counterexample or theorem1-audit-counterexample
  nlohmann::json header;
  std::vector<nlohmann::json> steps;
  std::unique_ptr<Theorem1Problem> problem;
  Theorem1Config config;
  TraceParameters parameters;
  RowVector<Rational> W_star;
};

// Throws InputError on a missing, unreadable or malformed trace.
LoadedTrace read_trace(const std::filesystem::path& path);

// The same, from text already in memory; `name` stands for the file in messages.
LoadedTrace parse_trace(const std::string& text, const std::string& name);

}  // namespace sgverify
