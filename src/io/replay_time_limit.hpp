// The --time-limit of `sgverify trace replay` for replays that run a check in steps, such as the
// Corollary 1 and Theorem 2 counterexamples.
#pragma once

#include "io/input_error.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace sgverify {

// Stops a replay between two of its steps once it has run longer than the limit, because a small
// edited trace can request far more work than the run that wrote it. The clock starts at
// construction. A limit of 0 means no limit.
class ReplayTimeLimit {
 public:
  ReplayTimeLimit(std::string file, double seconds) : file_(std::move(file)), seconds_(seconds) {}

  // Throws InputError when the limit has passed; `step` of `steps` is the step the replay has reached.
  void check(std::int64_t step, std::int64_t steps) const {
    if (seconds_ <= 0) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (elapsed <= seconds_) return;
    throw InputError(fmt::format("{}: replay stopped after {:.0f} s at step {} of {}: the trace asks for more work than --time-limit {} "
                                 "allows; rerun with a larger --time-limit, or 0 for none",
                                 file_, elapsed, step, steps, seconds_));
  }

 private:
  std::string file_;
  double seconds_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace sgverify
