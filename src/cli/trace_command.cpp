// sgverify trace show|replay FILE: print a trace readably, or rebuild its instance from the file
// alone and check that it reproduces.
#include "claims/theorem1_claims.hpp"
#include "cli/commands.hpp"
#include "io/corollary1_trace.hpp"
#include "io/input_error.hpp"
#include "io/json_fields.hpp"
#include "io/replay_time_limit.hpp"
#include "io/trace_reader.hpp"
#include "numeric/rational.hpp"
#include "proofs/theorem1.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <iostream>

namespace sgverify {

namespace {

std::string join(const nlohmann::json& list) {
  std::string text;
  for (const auto& entry : list) text += (text.empty() ? "" : ", ") + (entry.is_string() ? entry.get<std::string>() : entry.dump());
  return text;
}

// The first line of a Theorem 1 replay. The replay uses no randomness (the data and the start are
// in the trace), so the seed is the one the writing run used.
std::string seed_line(const LoadedTrace& trace) { return fmt::format("{} trace, written with seed {}\n", trace.kind, trace.parameters.seed); }

// Returns the progress callback of a replay of `last_step` steps. It reports progress on standard
// error and stops the replay with bad input once it has run longer than `time_limit` seconds (0
// for no limit), because a small edited file can request years of work. The clock starts here.
// The limit is checked between steps only, so each replay also keeps a ReplayWatchdog for one
// long step (an exact step of a large instance, or the exact moments and W* before step 0).
std::function<void(std::int64_t)> replay_progress(const LoadedTrace& trace, std::int64_t last_step, double time_limit) {
  return [limit = ReplayTimeLimit(trace.name, time_limit), last_step, report = step_progress(std::cerr, last_step)](std::int64_t k) {
    report(k);
    limit.check(k, last_step);
  };
}

// Returns whether a record contains the k, W and ω text of a replayed step.
bool same_state(const nlohmann::json& recorded, const RecordedStep& step) {
  return recorded["k"] == step.k && recorded["W"] == nlohmann::json(step.W) && recorded["omega"] == nlohmann::json(step.omega);
}

// Returns whether the records of a counterexample contain the k, W and ω of the replay's exact run,
// step by step.
bool records_match_run(const LoadedTrace& trace, const Theorem1Run& run) {
  if (trace.steps.size() != run.trajectory.size()) return false;
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    if (!same_state(trace.steps[i], run.trajectory[i])) return false;
  }
  return true;
}

// Replays a counterexample to T1.global-attraction: an exact fixed point with ω ≠ 0.
int replay_fixed_point(const LoadedTrace& trace, double time_limit) {
  auto progress = replay_progress(trace, trace.config.steps, time_limit);
  const std::string where = trace.name + ", header";
  const std::string claim = string_field(trace.header, "claim", where);
  const std::string recorded = string_field(trace.header, "verdict", where);
  const std::string level = string_field(trace.header, "level", where);
  Theorem1Config config = exact_step_config(trace.config.start, trace.config.mu, trace.config.nu, trace.config.steps);
  config.progress = std::move(progress);  // after exact_step_config, which clears it
  RowVector<Rational> W_star;
  Theorem1Run run;
  {
    // The progress callback checks the limit between steps, and the watchdog within one long step.
    const ReplayWatchdog watchdog(trace.name, time_limit);
    const Theorem1Problem problem(trace.data);
    W_star = least_squares_weights_exact(problem, config.start.W);
    run = run_theorem1<Rational>(problem, W_star, config);
  }
  const bool at_solution = W_star == config.start.W;
  const bool omega_nonzero = !config.start.omega.isZero();
  const bool fixed = run.final_W == config.start.W && run.final_omega == config.start.omega;
  const bool records_match = records_match_run(trace, run);
  std::cout << seed_line(trace) << fmt::format("claim {}: recorded verdict {} ({})\n", claim, recorded, level);
  std::cout << fmt::format("start W = ({}), omega = ({})\n", join(trace.header["parameters"]["W0"]), join(trace.header["parameters"]["omega0"]));
  std::cout << fmt::format("W0 equals the exact least-squares W*: {}\n", at_solution ? "yes" : "no");
  std::cout << fmt::format("omega0 is nonzero: {}\n", omega_nonzero ? "yes" : "no");
  std::cout << fmt::format("after {} exact step(s) the state is unchanged: {}\n", config.steps, fixed ? "yes" : "no");
  std::cout << fmt::format("the recorded steps match these exact steps: {}\n", records_match ? "yes" : "no");
  // The trace must claim exactly what the replay shows: T1.global-attraction refuted at the exact
  // level, with the W* it records.
  const bool header_matches = claim == "T1.global-attraction" && recorded == "refuted" && level == "exact" && trace.W_star == W_star;
  std::cout << fmt::format("the header's claim, verdict, level and W* match the replay: {}\n", header_matches ? "yes" : "no");
  const bool reproduced = header_matches && at_solution && omega_nonzero && fixed && records_match && config.steps >= 1;
  std::cout << (reproduced ? "reproduced: refuted (exact); omega never tends to 0 from this start\n"
                           : "NOT reproduced: the recorded verdict does not follow from this trace\n");
  return reproduced ? exit_success : exit_failure;
}

// Thrown by a trajectory replay's record callback at the first step that differs from the trace.
struct RecordMismatch {
  std::string message;
};

// Replays a trajectory: the same run in the recorded arithmetic must record identical states. It
// runs no further than the last recorded step, so it costs no more than the run that wrote the trace.
int replay_trajectory(const LoadedTrace& trace, double time_limit) {
  // Every trace that `sgverify theorem1` writes replays: the reader applies the writer's limits to
  // the instance and the precision, and --time-limit bounds the steps. The bit lengths of an exact
  // run about double each step with the bound schedules, so a long exact trajectory takes as long
  // to replay as it took to write.
  Theorem1Config config = trace.config;
  config.record_step = default_record_steps(config.steps);
  if (trace.last_k < config.steps) config.halt_after = trace.last_k;
  config.progress = replay_progress(trace, trace.last_k, time_limit);
  // Each step is compared as soon as it is recorded, so an edited trace (one record changed, say)
  // is reported at its first differing step instead of after the whole run.
  std::size_t compared = 0;
  config.on_record = [&trace, &compared](const RecordedStep& step) {
    if (compared == trace.steps.size()) {
      throw RecordMismatch{fmt::format("the replay records step k = {} after the last of the {} recorded steps", step.k, compared)};
    }
    const nlohmann::json& recorded = trace.steps[compared];
    ++compared;
    if (!same_state(recorded, step)) {
      throw RecordMismatch{
          fmt::format("recorded step {} (k = {}) differs from the replayed step k = {}", compared, recorded["k"].dump(), step.k)};
    }
  };
  // The writer computed W* from W0 in the run's arithmetic, so the header's W_star must be what
  // the same computation gives here.
  Theorem1Run run;
  std::string mismatch;
  {
    // The progress callback checks the limit between steps, and the watchdog within one long step,
    // such as an exact step over many samples. Nothing is printed while the watchdog runs.
    const ReplayWatchdog watchdog(trace.name, time_limit);
    const Theorem1Problem problem(trace.data);
    if (least_squares_weights_for(problem, config.start.W, config.arithmetic) != trace.W_star) {
      mismatch = fmt::format("the header's W_star differs from the W* that the {} run computes from W0", config.arithmetic.name());
    } else {
      try {
        run = run_theorem1(problem, trace.W_star, config);
      } catch (const RecordMismatch& record_mismatch) {
        mismatch = record_mismatch.message;
      }
    }
  }
  if (!mismatch.empty()) {
    std::cout << seed_line(trace) << "NOT reproduced: " << mismatch << "\n";
    return exit_failure;
  }
  std::cout << seed_line(trace);
  if (trace.steps.size() != run.trajectory.size()) {
    std::cout << fmt::format("NOT reproduced: the trace records {} steps up to k = {}, the replay {} up to k = {}\n", trace.steps.size(),
                             trace.last_k, run.trajectory.size(), run.trajectory.empty() ? -1 : run.trajectory.back().k);
    return exit_failure;
  }
  // When the trace records why its run ended, the replay must end at the same step for the same
  // reason. A replay that halted at the last record found a run that goes on past it.
  const std::string replayed_stop = run.halted ? fmt::format("no end: the run goes on after step {}", trace.last_k) : trajectory_stop_text(run);
  if (run.halted || (!trace.stop.empty() && trace.stop != replayed_stop)) {
    std::cout << fmt::format("NOT reproduced: the trace records the end '{}' at k = {}, the replay '{}'\n", trace.stop, trace.last_k,
                             replayed_stop);
    return exit_failure;
  }
  std::cout << fmt::format("reproduced: {} recorded steps of the {} run are identical\n", compared, run.arithmetic);
  return exit_success;
}


// Replays a failing proof step: the step's check on the recorded state must give the recorded verdict.
// The check is one exact step, which no check between steps can interrupt, so a watchdog keeps it
// to --time-limit.
int replay_audit_step(const LoadedTrace& trace, double time_limit) {
  const std::string where = trace.name + ", header";
  const std::string claim = string_field(trace.header, "claim", where);
  const proofs::ProofStep& step = proofs::find_theorem1_step(claim);
  proofs::AuditInstance instance;
  instance.data = trace.data;
  instance.W = trace.config.start.W;
  instance.omega = trace.config.start.omega;
  instance.mu = trace.config.mu;
  instance.nu = trace.config.nu;
  // The work runs under the watchdog and the output comes after it, so a stopped replay prints
  // nothing on standard output.
  proofs::StepVerdict verdict;
  bool records_match = false;
  {
    const ReplayWatchdog watchdog(trace.name, time_limit);
    set_multiprecision_bits(256);
    verdict = proofs::check_step(step, instance);
    // The records and W_star contain the writer's exact step from this state and its exact W*,
    // which the same computations must give here.
    const Theorem1Problem problem(trace.data);
    const Theorem1Config config = exact_step_config(trace.config.start, trace.config.mu, trace.config.nu);
    const RowVector<Rational> W_star = least_squares_weights_exact(problem, instance.W);
    records_match = records_match_run(trace, run_theorem1<Rational>(problem, W_star, config)) && W_star == trace.W_star;
  }
  const std::string recorded = string_field(trace.header, "verdict", where);
  const std::string recorded_level = string_field(trace.header, "level", where);
  std::cout << seed_line(trace) << fmt::format("claim {}: {}\n", claim, step.statement);
  std::cout << fmt::format("instance: d = {}, S = {}, mu {}, nu {}\n", instance.data.dim(), instance.data.samples(), instance.mu.name(),
                           instance.nu.name());
  std::cout << fmt::format("replayed verdict {} ({}): {}\n", to_string(verdict.verdict), to_string(verdict.evidence), verdict.detail);
  std::cout << fmt::format("the recorded steps and W* match the exact step from this state: {}\n", records_match ? "yes" : "no");
  const bool reproduced = records_match && to_string(verdict.verdict) == recorded && to_string(verdict.evidence) == recorded_level;
  std::cout << (reproduced ? "reproduced: the recorded verdict " + recorded + " follows from this trace\n"
                           : "NOT reproduced: the trace records " + recorded + "\n");
  return reproduced ? exit_success : exit_failure;
}

}  // namespace

void add_trace_options(CLI::App& command, TraceOptions& options) {
  command.require_subcommand(1);
  CLI::App* show = command.add_subcommand("show", "Print a trace readably");
  show->add_option("file", options.file, "Trace file (.jsonl)")->required();
  show->callback([&options] { options.action = "show"; });
  CLI::App* replay = command.add_subcommand("replay", "Rebuild the instance from the trace and check that it reproduces (exit 0 if so, 1 if not)");
  replay->add_option("file", options.file, "Trace file (.jsonl)")->required();
  replay->add_option("--time-limit", options.time_limit,
                     "Seconds a replay may run before it stops with exit status 2; 0 for no limit")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double value = 0;
            const char* const end = text.data() + text.size();
            const auto [stop, error] = std::from_chars(text.data(), end, value);
            if (!text.empty() && error == std::errc() && stop == end && value >= 0 && value <= 1e9) return "";
            throw InvalidFlagValue("invalid --time-limit '" + text + "': use a number of seconds from 0 (no limit) to 1e9");
          },
          "0..1e9"));
  replay->callback([&options] { options.action = "replay"; });
}

int run_trace_command(const TraceOptions& options) {
  if (is_corollary1_trace(options.file)) {
    return options.action == "replay" ? replay_corollary1_trace(options.file, options.time_limit) : show_corollary1_trace(options.file);
  }
  if (is_theorem2_trace(options.file)) return run_theorem2_trace(options);
  const LoadedTrace trace = read_trace(options.file);
  if (options.action == "replay") {
    if (trace.kind == "theorem1-audit-counterexample") return replay_audit_step(trace, options.time_limit);
    return trace.kind == "theorem1-counterexample" ? replay_fixed_point(trace, options.time_limit) : replay_trajectory(trace, options.time_limit);
  }
  // The whole text is built before any of it is printed, so a malformed field prints only its error.
  const Dataset& data = trace.data;
  const nlohmann::json& parameters = trace.header["parameters"];
  std::string text = fmt::format("{} trace, format version {}\n", trace.kind, trace_format_version);
  const std::string where = trace.name + ", header";
  if (trace.header.contains("claim")) {
    text += fmt::format("claim {}: {} ({})\n{}\n", optional_string_field(trace.header, "claim", "?", where),
                        optional_string_field(trace.header, "verdict", "?", where), optional_string_field(trace.header, "level", "?", where),
                        optional_string_field(trace.header, "detail", "", where));
  }
  text += fmt::format("instance: {} (d = {}, S = {}, checksum {})\n", data.source, data.dim(), data.samples(), data.checksum());
  text += fmt::format("arithmetic {}, path {}, mu {}, nu {}, start {}, seed {}, steps {}\n", trace.config.arithmetic.name(),
                      to_string(trace.config.path), trace.config.mu.name(), trace.config.nu.name(), trace.parameters.start_kind,
                      trace.parameters.seed, trace.config.steps);
  text += fmt::format("W0 = ({})\nomega0 = ({})\nW* = ({})\n", join(parameters["W0"]), join(parameters["omega0"]), join(trace.header["W_star"]));
  text += fmt::format("{:>9}  {:>12}  {:>12}  {:>12}  {:>12}\n", "k", "loss", "||W-W*||", "||omega||", "||xi||");
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    const nlohmann::json& step = trace.steps[i];
    const std::string step_where = fmt::format("{}, record {}", trace.name, i + 1);
    const auto number = [&](const char* name) { return optional_number_field(step, name, 0.0, step_where); };
    text += fmt::format("{:>9}  {:>12.5e}  {:>12.5e}  {:>12.5e}  {:>12.5e}\n", optional_integer_field(step, "k", -1, step_where),
                        number("loss"), number("weights_error"), number("omega_norm"), number("xi_norm"));
  }
  std::cout << text;
  return exit_success;
}

}  // namespace sgverify
