// Views of one Theorem 1 run: the terminal table, trajectory.csv, summary.json, report.md and
// its plots.
#pragma once

#include "claims/verdict.hpp"
#include "io/trace.hpp"
#include "models/theorem1.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace sgverify {

struct Theorem1Outcome {
  const Theorem1Problem* problem = nullptr;
  Theorem1Config config;
  TraceParameters parameters;
  RowVector<Rational> W_star;         // as the run used it
  double W_star_route_difference = 0; // ‖W* of the run − W* from exact normal equations‖
  Theorem1Run run;
  std::vector<ClaimResult> claims;
  std::string command_line;
};

// True for the steps 0, 1, 2, 5, 10, 20, 50, … shown in the terminal table and the report.
bool is_one_two_five_step(std::int64_t k);

// The steps a run of `steps` steps records: all of 0–100, the 1-2-5 steps, 200 log-spaced steps,
// and every (steps/1000)-th step, so a trajectory file has at most about 1,400 rows. The run also
// records its last step, which may lie outside the schedule when it stops early.
class RecordSchedule {
 public:
  explicit RecordSchedule(std::int64_t steps);
  bool contains(std::int64_t k) const;
  // The smallest scheduled step after k, so a reader can tell which record is missing.
  std::int64_t next_after(std::int64_t k) const;

 private:
  std::int64_t every_;
  std::set<std::int64_t> log_spaced_;
};

// RecordSchedule(steps) as a Theorem1Config::record_step.
std::function<bool(std::int64_t)> default_record_steps(std::int64_t steps);

// A Theorem1Config::progress that writes "step k of steps" with an estimate of the time left to
// `log`, at most every 2 seconds. `log` must outlive the run.
std::function<void(std::int64_t)> step_progress(std::ostream& log, std::int64_t steps);

std::string terminal_table(const Theorem1Run& run);
nlohmann::json summary_json(const Theorem1Outcome& outcome);
std::string trajectory_csv(const Theorem1Run& run);

// Writes trajectory.csv, trace.jsonl, summary.json, convergence.svg (and widths.svg for
// interval runs) and report.md into the folder, each atomically.
void write_theorem1_outputs(const std::filesystem::path& folder, const Theorem1Outcome& outcome);

}  // namespace sgverify
