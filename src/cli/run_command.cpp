// sgverify run: the main job. A default set of Theorem 1 runs on built-in synthetic data and on
// the diabetes data, each in its own folder, with an index page that combines their verdicts.
#include "cli/commands.hpp"
#include "io/atomic_file.hpp"
#include "io/csv.hpp"
#include "io/input_error.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <map>

namespace sgverify {

namespace {

// Instances of the proof audit in the main job: about 6 s on one core.
constexpr std::int64_t audit_instances = 200;

struct DefaultRun {
  std::string name;
  std::string purpose;
  Theorem1Options options;
};

std::vector<DefaultRun> default_runs(const RunOptions& run_options) {
  const auto synthetic = [&](std::string family, std::string noise, std::string arithmetic, std::int64_t steps) {
    Theorem1Options options;
    options.family = std::move(family);
    options.noise = std::move(noise);
    options.arithmetic = std::move(arithmetic);
    options.steps = steps;
    options.seed = run_options.seed;
    return options;
  };
  std::vector<DefaultRun> runs;
  runs.push_back({"regression-realizable", "exactly realizable targets (sigma = 0), paper's start, the bound-derived schedule",
                  synthetic("regression", "0", "double", 20000)});
  DefaultRun realizable_fixed{"regression-realizable-fixed-mu",
                              "exactly realizable targets, fixed mu: W reaches W* while omega stays away from 0",
                              synthetic("regression", "0", "double", 20000)};
  realizable_fixed.options.mu = "fixed:1/200";
  runs.push_back(realizable_fixed);
  runs.push_back({"regression-noisy", "noisy targets (sigma = 1/2), paper's start", synthetic("regression", "0.5", "double", 20000)});
  DefaultRun random_start{"regression-noisy-random-start", "noisy targets, random W_0 and omega_0",
                          synthetic("regression", "0.5", "double", 20000)};
  random_start.options.start = "random";
  runs.push_back(random_start);
  runs.push_back({"linear2", "appendix D family linear, k = 2, targets +1/-1", synthetic("linear", "0", "double", 20000)});
  runs.push_back({"noisy2", "appendix D family noisy, k = 2", synthetic("noisy", "0", "double", 20000)});
  runs.push_back({"random2", "appendix D family random, k = 2", synthetic("random", "0", "double", 20000)});
  runs.push_back({"regression-noisy-interval",
                  "the noisy regression instance in interval arithmetic with the line search: certified until the "
                  "enclosure of xi contains 0",
                  synthetic("regression", "0.5", "interval:256", 1000)});
  DefaultRun exact{"regression-noisy-exact", "exact rational arithmetic, S = 10: a few steps, no rounding",
                   synthetic("regression", "0.5", "exact", 4)};
  exact.options.samples = 10;
  runs.push_back(exact);

  Theorem1Options diabetes;
  diabetes.data_file = run_options.diabetes;
  diabetes.standardize = true;
  diabetes.arithmetic = "mpfr:256";
  // mu = 1/1000 is below 2/||B|| (||B|| ≈ 1779 for the standardized data); the bound schedules
  // would need millions of steps because b/||B||^2 ≈ 1.2e-6.
  diabetes.mu = "fixed:1/1000";
  diabetes.steps = 100000;
  diabetes.seed = run_options.seed;
  runs.push_back({"diabetes", "diabetes data (442 samples, 10 features, standardized) in mpfr:256", diabetes});
  Theorem1Options diabetes_interval = diabetes;
  // 1440 bits keep every enclosure below 1e-20 for 1000 steps (widths grow by about 1.44 bits a step);
  // the fixed nu = 1e-8 (below 2/lambda_max(A^T A)) avoids dividing by enclosures of ||xi||.
  diabetes_interval.arithmetic = "interval:1440";
  diabetes_interval.nu = "1e-8";
  diabetes_interval.steps = 1000;
  runs.push_back({"diabetes-interval", "diabetes data in interval:1440 with fixed nu: enclosure widths over 1000 steps",
                  diabetes_interval});
  return runs;
}

}  // namespace

void add_run_options(CLI::App& command, RunOptions& options) {
  command.add_option("--out", options.out, "Report folder")->capture_default_str();
  command.add_option("--diabetes", options.diabetes, "Diabetes CSV built by setup.sh")->capture_default_str();
  command.add_option("--seed", options.seed, "Seed of every synthetic instance and random start")->capture_default_str();
  command.add_flag("--json", options.json, "Print the combined summary as JSON on standard output");
}

int run_main_job(const RunOptions& options) {
  if (!std::filesystem::is_regular_file(options.diabetes)) {
    throw InputError("diabetes data not found at " + options.diabetes + ": run ./setup.sh, which builds data/diabetes.csv, "
                     "or pass --diabetes FILE");
  }
  // Read the data once before writing anything, so a malformed file leaves no partial report.
  read_csv_dataset(options.diabetes, CsvOptions{true, default_grid_bits});
  const std::filesystem::path folder = options.out;
  create_output_folder(folder);
  const auto started = std::chrono::steady_clock::now();

  const std::vector<DefaultRun> runs = default_runs(options);
  std::vector<Theorem1Execution> executions;
  std::map<std::string, std::vector<ClaimResult>> by_claim;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const DefaultRun& run = runs[i];
    std::cerr << fmt::format("[{}/{}] {}: {}\n", i + 1, runs.size(), run.name, theorem1_command_line(run.options));
    executions.push_back(execute_theorem1(run.options, folder / run.name, std::cerr));
    for (const ClaimResult& claim : executions.back().outcome.claims) by_claim[claim.id].push_back(claim);
  }

  // The proof audit, on fewer instances than its own default to keep the main job short.
  AuditOptions audit_options;
  audit_options.instances = audit_instances;
  audit_options.seed = options.seed;
  std::cerr << fmt::format("[audit] sgverify audit --proof theorem1 --instances {} --seed {}\n", audit_instances, options.seed);
  for (const ClaimResult& claim : execute_audit(audit_options, folder / "audit", std::cerr)) by_claim[claim.id].push_back(claim);

  // Appendices A and B with their default settings, and Figure 6.
  CriticOptions critic_options;
  critic_options.seed = options.seed;
  std::cerr << fmt::format("[critic] sgverify critic --seed {}\n", options.seed);
  for (const ClaimResult& claim : execute_critic(critic_options, folder / "critic", std::cerr)) by_claim[claim.id].push_back(claim);
  CriticalPointsOptions critical_points_options;
  critical_points_options.seed = options.seed;
  std::cerr << fmt::format("[critical-points] sgverify critical-points --seed {}\n", options.seed);
  for (const ClaimResult& claim : execute_critical_points(critical_points_options, folder / "critical-points", std::cerr)) {
    by_claim[claim.id].push_back(claim);
  }

  std::vector<ClaimResult> combined;
  for (const auto& [id, results] : by_claim) combined.push_back(combine_results(results));

  std::string index = "# sgverify report\n\n";
  index += "Checks of Czarnecki et al., \"Understanding Synthetic Gradients and Decoupled Neural Interfaces\" (ICML 2017, "
           "arXiv:1703.00522), supplementary appendices. Generated by `sgverify run --seed " + std::to_string(options.seed) + "`.\n\n";
  index += "## Claims found false\n\n";
  bool any_false = false;
  for (const ClaimResult& claim : combined) {
    if (claim.verdict != Verdict::refuted) continue;
    any_false = true;
    index += fmt::format("- **{}** ({}): {}. Evidence ({}): {}. Replay: `{}`\n", claim.id, claim.statement, to_string(claim.verdict),
                         to_string(claim.evidence), claim.detail, claim.replay.empty() ? std::string("none") : claim.replay);
  }
  if (!any_false) index += "None in this run.\n";
  index += "\n## Verdicts over all runs\n\n| claim | verdict | level | instances | detail |\n| --- | --- | --- | --- | --- |\n";
  for (const ClaimResult& claim : combined) {
    index += fmt::format("| {} | **{}** | {} | {} | {} |\n", claim.id, to_string(claim.verdict), to_string(claim.evidence),
                         claim.instances, claim.detail);
  }
  index += fmt::format("\nThe step claims come from the [proof audit](audit/report.md) over {} generated instances; the "
                       "convergence claims combine the audit with the runs below.\n", audit_instances);
  index += "\n## Runs\n\n| run | purpose | arithmetic | steps | seconds | T1.global-solution | T1.global-attraction |\n";
  index += "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Theorem1Outcome& outcome = executions[i].outcome;
    index += fmt::format("| [{0}]({0}/report.md) | {1} | {2} | {3} | {4:.2f} | {5} ({6}) | {7} ({8}) |\n", runs[i].name,
                         runs[i].purpose, outcome.run.arithmetic, outcome.run.steps_done, outcome.run.seconds,
                         to_string(outcome.claims[0].verdict), to_string(outcome.claims[0].evidence),
                         to_string(outcome.claims[1].verdict), to_string(outcome.claims[1].evidence));
  }
  index += "\nAppendix A: [critic report](critic/report.md). Appendix B: [critical-points report](critical-points/report.md).\n";
  index += "\n## Figure 6\n\n![Figure 6](critical-points/figure6.svg)\n";
  index += "\n## Convergence plots\n\n";
  for (const DefaultRun& run : runs) index += fmt::format("### {0}\n\n![{0}]({0}/convergence.svg)\n\n", run.name);
  write_file_atomically(folder / "index.md", index);

  nlohmann::json claims = nlohmann::json::array();
  for (const ClaimResult& claim : combined) claims.push_back(to_json(claim));
  const nlohmann::json summary{{"command", "run"}, {"seed", options.seed}, {"claims", claims}};
  write_file_atomically(folder / "summary.json", summary.dump(2) + "\n");

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.json) {
    std::cout << summary.dump(2) << "\n";
  } else {
    for (const ClaimResult& claim : combined) {
      std::cout << fmt::format("{:<38} {:<12} {:<10} {} instance(s)\n", claim.id, to_string(claim.verdict), to_string(claim.evidence),
                               claim.instances);
      if (!claim.replay.empty()) std::cout << "  replay: " << claim.replay << "\n";
    }
    std::cout << fmt::format("seed {}\nreport: {} ({:.1f} s)\n", options.seed, (folder / "index.md").string(), seconds);
  }
  return exit_success;
}

}  // namespace sgverify
