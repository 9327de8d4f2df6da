// Reading a trace back: the instance, the configuration and the recorded steps, checked as
// untrusted input (every missing field, wrong type or malformed number is an InputError).
#pragma once

#include "io/trace.hpp"

#include <filesystem>

namespace sgverify {

struct LoadedTrace {
  std::string kind;      // theorem1-trajectory or theorem1-counterexample
  nlohmann::json header;
  std::vector<nlohmann::json> steps;
  std::unique_ptr<Theorem1Problem> problem;
  Theorem1Config config;
  TraceParameters parameters;
  RowVector<Rational> W_star;
};

LoadedTrace read_trace(const std::filesystem::path& path);

}  // namespace sgverify
