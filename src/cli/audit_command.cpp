// sgverify audit: every step of the Theorem 1 proof over generated instances, with a report,
// a summary and a replayable trace for each refuted step.
#include "claims/theorem1_claims.hpp"
#include "cli/commands.hpp"
#include "io/atomic_file.hpp"
#include "io/input_error.hpp"
#include "io/trace.hpp"
#include "proofs/theorem1_audit.hpp"
#include "report/markdown.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>

namespace sgverify {

namespace {

// The --instances limit of the Theorem 1 audit, the largest of all audits. The audits of the other
// proofs check their own lower limits when they start.
constexpr std::int64_t max_instances = 10'000'000;

// Writes the counterexample trace of one refuted claim and returns its path.
std::string write_counterexample(const std::filesystem::path& folder, const proofs::ClaimAudit& audit, std::uint64_t seed) {
  const proofs::AuditInstance& instance = *audit.counterexample;
  const Theorem1Problem problem(instance.data);
  const Theorem1Config config = exact_step_config(Theorem1Start{instance.W, instance.omega}, instance.mu, instance.nu);
  const RowVector<Rational> W_star = least_squares_weights_exact(problem, instance.W);
  const Theorem1Run run = run_theorem1<Rational>(problem, W_star, config);
  const bool fixed_point = audit.result.id == global_attraction_id;
  const std::filesystem::path path = folder / ("counterexample-" + audit.result.id + ".jsonl");
  write_file_atomically(path, counterexample_trace_text(fixed_point ? "theorem1-counterexample" : "theorem1-audit-counterexample",
                                                        problem, config, {instance.origin, seed}, W_star, audit.result, run));
  return path.string();
}

std::string audit_report(const std::vector<proofs::ClaimAudit>& audits, const AuditOptions& options, double seconds) {
  std::string text = "# Audit of the proof of Theorem 1\n\n";
  text += "Each step of the proof of Theorem 1 in Czarnecki et al., \"Understanding Synthetic Gradients and Decoupled Neural "
          "Interfaces\" (ICML 2017, arXiv:1703.00522), checked on generated instances.\n\n";
  text += fmt::format("Command: `sgverify audit --proof theorem1 --instances {} --seed {}{}` ({:.1f} s).\n\n", options.instances,
                      options.seed, options.claim.empty() ? std::string() : " --claim " + options.claim, seconds);
  text += "Instances: regression (sigma 0 or 1/2), linear, noisy and random data with d from 1 to 3 and S from d + 2 to d + 11; "
          "the paper's start, a random start, or the state after 10, 100 or 1000 steps of an mpfr:128 trajectory (rounded to "
          "the grid 2^-64); mu fixed at theta/||B|| or from the bound-derived or bound-literal schedule; the line-search nu, or "
          "a fixed nu for a quarter of the instances. Instances outside a step's hypotheses are counted apart.\n\n";
  text += "| claim | statement | verdict | level | instances | outside hypotheses | worst margin | counterexample |\n";
  text += "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const proofs::ClaimAudit& audit : audits) {
    const ClaimResult& claim = audit.result;
    text += fmt::format("| {} | {} | **{}** | {} | {} | {} | {:.3g} | {} |\n", claim.id, claim.statement, to_string(claim.verdict),
                        to_string(claim.evidence), claim.instances, audit.not_applicable, claim.worst_value,
                        claim.counterexample.empty() ? std::string("none") : fmt::format("[trace]({})", std::filesystem::path(claim.counterexample).filename().string()));
  }
  text += "\nThe worst margin is threshold minus value at the worst instance, relative to the threshold for "
          "inequalities: a negative margin is a violation. For the convergence claims it is the largest ratio of a final distance to its "
          "tolerance.\n\n## Details\n\n";
  for (const proofs::ClaimAudit& audit : audits) {
    text += fmt::format("- **{}**: {}", audit.result.id, audit.result.detail);
    if (!audit.result.replay.empty()) text += " Replay: " + markdown_code(audit.result.replay);
    text += "\n";
  }
  return text;
}

}  // namespace

void add_audit_options(CLI::App& command, AuditOptions& options) {
  command.add_option("--proof", options.proof, "Proof to audit: theorem1, theorem2, proposition2 or corollary1")->capture_default_str();
  command.add_option("--claim", options.claim, "Audit one claim id only, such as T1.xi-recursion");
  add_integer_option(command, "--instances", options.instances, "Number of generated instances (at most 1000000 for the other proofs)",
                     1, max_instances);
  command.add_option("--seed", options.seed, "Seed of the instances")->transform(seed_range)->capture_default_str();
  command.add_option("--out", options.out, "Output folder")->check(output_folder_path(options.out))->capture_default_str();
  command.add_flag("--json", options.json, "Print summary.json on standard output instead of the table");
}

std::vector<ClaimResult> execute_audit(const AuditOptions& options, const OutputFolder& folder, std::ostream& log) {
  if (options.proof == "corollary1") return execute_corollary1_audit(options, folder, log);
  if (is_second_batch_proof(options.proof)) return execute_second_batch_audit(options, folder, log);
  if (options.proof != "theorem1") throw InputError("invalid --proof '" + options.proof + "': use theorem1, theorem2, proposition2 or corollary1");
  check_integer_flag("--instances", options.instances, 1, max_instances);
  if (!options.claim.empty() && options.claim != global_solution_id && options.claim != global_attraction_id) {
    proofs::find_theorem1_step(options.claim);  // throws InputError with the known ids
  }
  const auto started = std::chrono::steady_clock::now();
  auto last_print = started;
  proofs::AuditOptions audit_options;
  audit_options.instances = options.instances;
  audit_options.seed = options.seed;
  audit_options.claim = options.claim;
  std::vector<proofs::ClaimAudit> audits = proofs::audit_theorem1(audit_options, [&](std::int64_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_print < std::chrono::seconds(2) || done == options.instances) return;
    last_print = now;
    const double elapsed = std::chrono::duration<double>(now - started).count();
    log << fmt::format("  instance {} of {}, about {:.0f} s left\n", done, options.instances,
                       elapsed * static_cast<double>(options.instances - done) / static_cast<double>(done));
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  StagedFolder staged(folder.write_to, {"counterexample-"});
  std::vector<ClaimResult> results;
  for (proofs::ClaimAudit& audit : audits) {
    if (audit.counterexample) {
      const std::filesystem::path written = write_counterexample(staged.path(), audit, options.seed);
      audit.result.counterexample = (folder.final / written.filename()).string();
      audit.result.replay = trace_replay_command(audit.result.counterexample);
    }
    results.push_back(audit.result);
  }
  nlohmann::json claims = nlohmann::json::array();
  for (const ClaimResult& claim : results) claims.push_back(to_json(claim));
  const nlohmann::json summary{{"command", "audit"}, {"proof", options.proof}, {"seed", options.seed}, {"instances", options.instances},
                               {"claims", claims}};
  write_file_atomically(staged.path() / "summary.json", summary.dump(2) + "\n");
  write_file_atomically(staged.path() / "report.md", audit_report(audits, options, seconds));
  staged.commit();
  return results;
}

int run_audit_command(const AuditOptions& options) {
  const std::vector<ClaimResult> results = execute_audit(options, OutputFolder(options.out), std::cerr);
  if (options.json) {
    std::cout << std::ifstream(std::filesystem::path(options.out) / "summary.json").rdbuf();
    return exit_success;
  }
  std::cout << fmt::format("{:<38} {:<12} {:<10} {:>9}  {}\n", "claim", "verdict", "level", "instances", "worst margin");
  for (const ClaimResult& claim : results) {
    std::cout << fmt::format("{:<38} {:<12} {:<10} {:>9}  {:.3g}\n", claim.id, to_string(claim.verdict), to_string(claim.evidence),
                             claim.instances, claim.worst_value);
    if (!claim.replay.empty()) std::cout << "  replay: " << claim.replay << "\n";
  }
  std::cout << fmt::format("seed {}\nreport: {}\n", options.seed, (std::filesystem::path(options.out) / "report.md").string());
  return exit_success;
}

}  // namespace sgverify
