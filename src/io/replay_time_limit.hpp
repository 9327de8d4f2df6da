// The --time-limit of `sgverify trace replay`: a check between the steps of a replay, and a
// watchdog for work that no check between steps can interrupt.
#pragma once

#include "io/input_error.hpp"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
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
    // Whole seconds, except below 10 s, where a limit such as 0.02 would show as "0 s".
    const std::string elapsed_text = elapsed < 10 ? fmt::format("{:.2g}", elapsed) : fmt::format("{:.0f}", elapsed);
    throw InputError(fmt::format("{}: replay stopped after {} s at step {} of {}: the trace asks for more work than --time-limit {} "
                                 "allows; rerun with a larger --time-limit, or 0 for none",
                                 file_, elapsed_text, step, steps, seconds_));
  }

 private:
  std::string file_;
  double seconds_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// Ends the process with bad input (status 2) when it is still alive `time_limit` seconds (0: never)
// after construction, unless it has been destroyed by then. It bounds work that no check between
// steps can interrupt, such as one exact step on 10^5-digit values. A replay writes no file and
// prints its verdict only after the work, so ending the process loses nothing.
class ReplayWatchdog {
 public:
  ReplayWatchdog(std::string name, double time_limit) {
    if (time_limit <= 0) return;
    watcher_ = std::thread([this, name = std::move(name), time_limit] {
      std::unique_lock lock(mutex_);
      if (done_.wait_for(lock, std::chrono::duration<double>(time_limit), [this] { return finished_; })) return;
      std::cerr << fmt::format("sgverify: {}: replay stopped after {} s: the trace asks for more work than --time-limit {} allows; "
                               "rerun with a larger --time-limit, or 0 for none\n",
                               name, time_limit, time_limit)
                << std::flush;
      std::_Exit(exit_bad_input);
    });
  }
  ~ReplayWatchdog() {
    if (!watcher_.joinable()) return;
    {
      const std::lock_guard lock(mutex_);
      finished_ = true;
    }
    done_.notify_one();
    watcher_.join();
  }
  ReplayWatchdog(const ReplayWatchdog&) = delete;
  ReplayWatchdog& operator=(const ReplayWatchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::thread watcher_;
};

}  // namespace sgverify
