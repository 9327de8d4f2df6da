// sgverify audit --proof corollary1: the C1.* claims over generated instances, with a report,
// a summary and a replayable trace for each refuted claim.
#include "cli/commands.hpp"
#include "io/atomic_file.hpp"
#include "io/corollary1_trace.hpp"
#include "io/input_error.hpp"
#include "proofs/corollary1.hpp"
#include "report/markdown.hpp"

#include <fmt/format.h>

#include <chrono>

namespace sgverify {

namespace {

constexpr std::int64_t max_instances = 1'000'000;

}  // namespace

std::vector<ClaimResult> execute_corollary1_audit(const AuditOptions& options, const OutputFolder& folder, std::ostream& log) {
  check_integer_flag("--instances", options.instances, 1, max_instances, "with --proof corollary1");
  if (!options.claim.empty()) proofs::check_corollary1_claim_id(options.claim);
  log << fmt::format("  auditing Corollary 1 on {} instances\n", options.instances);
  const auto started = std::chrono::steady_clock::now();
  proofs::Corollary1AuditOptions audit_options;
  audit_options.instances = options.instances;
  audit_options.seed = options.seed;
  audit_options.claim = options.claim;
  std::vector<proofs::Corollary1Audit> audits = proofs::audit_corollary1(audit_options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  create_output_folder(folder.write_to);
  std::vector<ClaimResult> results;
  for (proofs::Corollary1Audit& audit : audits) {
    if (audit.counterexample) {
      const std::string name = "counterexample-" + audit.result.id + ".jsonl";
      audit.result.counterexample = (folder.final / name).string();
      audit.result.replay = trace_replay_command(audit.result.counterexample);
      write_file_atomically(folder.write_to / name, corollary1_trace_text(*audit.counterexample, audit.result));
    }
    results.push_back(audit.result);
  }
  nlohmann::json claims = nlohmann::json::array();
  for (const ClaimResult& claim : results) claims.push_back(to_json(claim));
  const nlohmann::json summary{{"command", "audit"}, {"proof", "corollary1"}, {"seed", options.seed}, {"instances", options.instances},
                               {"claims", claims}};
  write_file_atomically(folder.write_to / "summary.json", summary.dump(2) + "\n");

  std::string text = "# Audit of Corollary 1\n\n";
  text += "The claims of Corollary 1 of Czarnecki et al., \"Understanding Synthetic Gradients and Decoupled Neural Interfaces\" (ICML "
          "2017, arXiv:1703.00522), checked on generated deep linear networks.\n\n";
  text += fmt::format("Command: `sgverify audit --proof corollary1 --instances {} --seed {}{}` ({:.1f} s).\n\n", options.instances,
                      options.seed, options.claim.empty() ? std::string() : " --claim " + options.claim, seconds);
  text += "Instances: depth 1 to 3, input, hidden and output widths 1 to 3 (output 1 to 2), S from 1 to 6, entries Gaussian on the grid "
          "2^-4, eps = 1/8, nu = 1/16; the state is the paper's start (zero SG), the exact SG, the exact SG with C(0,0) moved by 1/16, "
          "a random SG, or the state after 20 double-precision steps. The gate uses the Frobenius norm of the Jacobian and is decided "
          "exactly. C1.convergence runs three realizable instances (widths 3-3-3-1, S = 20) in double and mpfr:128.\n\n";
  text += "| claim | statement | verdict | level | instances | worst margin | counterexample |\n| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const ClaimResult& claim : results) {
    text += fmt::format("| {} | {} | **{}** | {} | {} | {:.3g} | {} |\n", claim.id, claim.statement, to_string(claim.verdict),
                        to_string(claim.evidence), claim.instances, claim.worst_value,
                        claim.counterexample.empty() ? std::string("none")
                                                     : fmt::format("[trace]({})", std::filesystem::path(claim.counterexample).filename().string()));
  }
  text += "\nThe worst margin is negative when the claim fails on some instance. For C1.convergence it is the largest ratio of the final "
          "gradient norm to its tolerance.\n\n## Details\n\n";
  for (const ClaimResult& claim : results) {
    text += fmt::format("- **{}**: {}", claim.id, claim.detail);
    if (!claim.replay.empty()) text += " Replay: " + markdown_code(claim.replay);
    text += "\n";
  }
  write_file_atomically(folder.write_to / "report.md", text);
  return results;
}

}  // namespace sgverify
