// sgverify theorem1: one Theorem 1 trajectory in a chosen arithmetic, with its report.
#include "claims/theorem1_claims.hpp"
#include "cli/commands.hpp"
#include "data/families.hpp"
#include "io/atomic_file.hpp"
#include "io/csv.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>

namespace sgverify {

namespace {

// Size limits of synthetic instances: those of every Theorem 1 instance (models/theorem1.hpp).
constexpr std::int64_t max_dim = max_theorem1_dim;
constexpr std::int64_t max_samples = max_theorem1_samples;
constexpr std::int64_t max_values = max_theorem1_values;
constexpr std::int64_t max_steps = 1'000'000'000;

// Reads --data or makes the synthetic family, and checks that its size and the arithmetic are
// within the limits that the trace reader applies, so that the trace of the run can be replayed.
Dataset load_dataset(const Theorem1Options& options) {
  Dataset data;
  if (options.data_file.empty()) {
    data = make_family_dataset(family_spec_from_options(options));
  } else {
    data = read_csv_dataset(options.data_file, CsvOptions{options.standardize, default_grid_bits});
    check_theorem1_size(data.dim(), data.samples(), options.data_file, "use a file with fewer feature columns or rows");
  }
  check_theorem1_precision(parse_arithmetic(options.arithmetic, max_theorem1_bits), data.dim(), data.samples(), "invalid --arith '" + options.arithmetic + "'",
                           "use fewer bits or a smaller instance");
  return data;
}

}  // namespace

FamilySpec family_spec_from_options(const Theorem1Options& options) {
  if (options.standardize) throw InputError("--standardize applies to --data FILE only; remove it or pass --data");
  FamilySpec spec;
  spec.family = parse_family(options.family);
  check_integer_flag("--dim", options.dim, 1, max_dim);
  check_integer_flag("--samples", options.samples, 1, max_samples);
  if (options.dim * options.samples > max_values) {
    throw InputError(fmt::format("--dim {} times --samples {} exceeds {} values; use a smaller instance", options.dim,
                                 options.samples, max_values));
  }
  spec.dim = options.dim;
  spec.samples = options.samples;
  spec.noise = parse_rational(options.noise, "--noise");
  if (spec.noise < 0 || spec.noise > 1'000'000) throw InputError("invalid --noise '" + options.noise + "': sigma must lie in [0, 1e6]");
  spec.seed = options.seed;
  return spec;
}

Theorem1Config theorem1_config_from_options(const Theorem1Options& options) {
  Theorem1Config config;
  config.arithmetic = parse_arithmetic(options.arithmetic, max_theorem1_bits);
  config.mu = parse_mu_schedule(options.mu);
  config.nu = parse_nu_schedule(options.nu);
  parse_start(options.start);
  config.path = options.path.empty() ? default_path(config.arithmetic) : parse_path(options.path);
  check_integer_flag("--steps", options.steps, 0, max_steps);
  config.steps = options.steps;
  return config;
}

void add_theorem1_options(CLI::App& command, Theorem1Options& options) {
  command.add_option("--family", options.family, "Synthetic data family: linear, noisy, random or regression")->capture_default_str();
  add_integer_option(command, "--dim", options.dim, "Input dimension d (k) of synthetic data", 1, max_dim);
  add_integer_option(command, "--samples", options.samples, "Number of samples S of synthetic data", 1, max_samples);
  command.add_option("--noise", options.noise, "Noise standard deviation sigma of the regression family, from 0 (exactly realizable) to 1e6")
      ->capture_default_str();
  command.add_option("--data", options.data_file, "CSV file with a header row; the last column is the target (replaces --family)")
      ->check(non_empty_path("--data", "give a CSV file, or omit --data to use the synthetic --family"));
  command.add_flag("--standardize", options.standardize, "Centre each feature of --data and scale it to unit variance");
  command.add_option("--arith", options.arithmetic, "Arithmetic: exact, interval:BITS, mpfr:BITS, double or long-double")
      ->capture_default_str();
  add_integer_option(command, "--steps", options.steps, "Number of iterations", 0, max_steps);
  command.add_option("--mu", options.mu, "Main learning rate: fixed:VALUE (VALUE in [1e-300, 1e6]), bound-derived:THETA or bound-literal:THETA (0 < THETA < 1)")
      ->capture_default_str();
  command.add_option("--nu", options.nu, "SG learning rate: line-search or a VALUE in [1e-300, 1e6]")->capture_default_str();
  command.add_option("--start", options.start, "Start: paper (W = 0, omega = (-1, -1, 0)), zero, or random (seeded)")->capture_default_str();
  command.add_option("--path", options.path,
                     "Step computation: moments (O(d^2) a step; default for exact, interval and mpfr) or samples "
                     "(O(dS); default for double and long-double, where it is more accurate)");
  command.add_option("--seed", options.seed, "Seed of the synthetic data and of the random start")->transform(seed_range)->capture_default_str();
  command.add_option("--out", options.out, "Output folder")->check(output_folder_path(options.out))->capture_default_str();
  command.add_flag("--json", options.json, "Print summary.json on standard output instead of the table");
}

std::string theorem1_command_line(const Theorem1Options& options) {
  std::string line = shell_quote(invoked_program) + " theorem1";
  if (options.data_file.empty()) {
    line += fmt::format(" --family {} --dim {} --samples {}", shell_quote(options.family), options.dim, options.samples);
    if (options.family == "regression") line += " --noise " + shell_quote(options.noise);
  } else {
    line += " --data " + shell_quote(options.data_file) + (options.standardize ? " --standardize" : "");
  }
  line += fmt::format(" --arith {} --steps {} --mu {} --nu {} --start {} --seed {}", shell_quote(options.arithmetic), options.steps,
                      shell_quote(options.mu), shell_quote(options.nu), shell_quote(options.start), options.seed);
  if (!options.path.empty()) line += " --path " + shell_quote(options.path);
  return line;
}

Theorem1Execution execute_theorem1(const Theorem1Options& options, const OutputFolder& folder, std::ostream& log) {
  // Validate every value before computing or writing anything.
  Theorem1Config config = theorem1_config_from_options(options);
  const Start start = parse_start(options.start);
  Theorem1Execution execution;
  execution.problem = std::make_unique<Theorem1Problem>(load_dataset(options));
  const Theorem1Problem& problem = *execution.problem;
  config.start = make_start(problem, start, options.seed);
  config.record_step = default_record_steps(config.steps);
  config.progress = step_progress(log, config.steps);

  Theorem1Outcome& outcome = execution.outcome;
  outcome.problem = &problem;
  outcome.config = config;
  outcome.parameters = {options.start, options.seed};
  outcome.command_line = theorem1_command_line(options);
  // The exact W* solves a (d + 1) x (d + 1) rational system, whose cost grows as d^3 and with the
  // digits of the data: d = 300 with S = 1 took about 30 s on a 2-core AMD EPYC machine.
  if (problem.data.dim() >= 100) {
    log << fmt::format("computing the exact least-squares W* of d = {} features; the time grows as d^3 (about 30 s for d = 300)\n",
                       problem.data.dim());
  }
  const RowVector<Rational> W_star_exact = least_squares_weights_exact(problem, config.start.W);
  outcome.W_star = least_squares_weights_for(problem, config.start.W, config.arithmetic);
  outcome.W_star_route_difference = std::sqrt(rational_to_double((outcome.W_star - W_star_exact).squaredNorm()));
  outcome.run = run_theorem1(problem, outcome.W_star, config);

  const bool hypotheses_met = theorem1_hypotheses_met(config);
  ClaimResult solution = decide_global_solution(outcome.run, hypotheses_met);
  const auto certificate = find_nonzero_fixed_point(problem, config, outcome.run);
  ClaimResult attraction = decide_global_attraction(outcome.run, certificate, hypotheses_met);
  // A numerical refutation (divergence under the theorem's hypotheses) is replayed from the
  // trajectory trace itself.
  const std::string trajectory_trace = (folder.final / "trace.jsonl").string();
  for (ClaimResult* claim : {&solution, &attraction}) {
    if (claim->verdict == Verdict::refuted && claim->evidence == Evidence::numerical) {
      claim->counterexample = trajectory_trace;
      claim->replay = trace_replay_command(trajectory_trace);
    }
  }
  outcome.claims.push_back(solution);
  StagedFolder staged(folder.write_to, {"counterexample-", "widths.svg"});
  if (certificate) {
    const Theorem1Config counter_config = exact_step_config(config, certificate->start);
    const Theorem1Run exact_run = run_theorem1<Rational>(problem, certificate->start.W, counter_config);
    const std::string name = "counterexample-T1.global-attraction.jsonl";
    attraction.counterexample = (folder.final / name).string();
    attraction.replay = trace_replay_command(attraction.counterexample);
    write_file_atomically(staged.path() / name, counterexample_trace_text("theorem1-counterexample", problem, counter_config, {"fixed-point", options.seed},
                                                                   certificate->start.W, attraction, exact_run));
  }
  outcome.claims.push_back(attraction);
  write_theorem1_outputs(staged.path(), outcome);
  staged.commit();
  return execution;
}

int run_theorem1_command(const Theorem1Options& options) {
  const Theorem1Execution execution = execute_theorem1(options, OutputFolder(options.out), std::cerr);
  const Theorem1Outcome& outcome = execution.outcome;
  if (options.json) {
    std::cout << summary_json(outcome).dump(2) << "\n";
    return exit_success;
  }
  const Dataset& data = execution.problem->data;
  std::cout << fmt::format("Theorem 1: {} (d = {}, S = {}, checksum {}), seed {}\n", data.source, data.dim(), data.samples(),
                           data.checksum(), options.seed);
  std::cout << fmt::format("arithmetic {}, mu {}, nu {}, start {}, {} steps in {:.2f} s\n", outcome.run.arithmetic,
                           outcome.config.mu.name(), outcome.config.nu.name(), options.start, outcome.run.steps_done,
                           outcome.run.seconds);
  if (!outcome.run.stop_reason.empty()) std::cout << outcome.run.stop_reason << "\n";
  std::cout << terminal_table(outcome.run);
  for (const ClaimResult& claim : outcome.claims) {
    std::cout << fmt::format("{:<22} {:<12} {:<10} {}\n", claim.id, to_string(claim.verdict), to_string(claim.evidence), claim.detail);
    if (!claim.replay.empty()) std::cout << "  replay: " << claim.replay << "\n";
  }
  std::cout << "report: " << (std::filesystem::path(options.out) / "report.md").string() << "\n";
  return exit_success;
}

}  // namespace sgverify
