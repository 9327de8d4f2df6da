// The verdict record of one claim: the single source that the terminal table, summary.json and
// the reports are views of.
#pragma once

#include "numeric/scalar_traits.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sgverify {

enum class Verdict { confirmed, refuted, inconclusive };

std::string to_string(Verdict verdict);

struct ClaimResult {
  std::string id;         // stable claim id, such as "T1.global-solution"
  std::string statement;  // the claim in one sentence
  Verdict verdict = Verdict::inconclusive;
  Evidence evidence = Evidence::numerical;
  std::int64_t instances = 0;  // instances tried
  std::string detail;          // how it was decided: tolerances, horizon, worst value
  double worst_value = 0;      // the worst value seen, to compare with threshold
  double threshold = 0;
  std::string counterexample;  // path of the counterexample trace, empty when there is none
  std::string replay;          // command that replays the counterexample
};

nlohmann::json to_json(const ClaimResult& claim);

// Returns the record of a claim decided on one instance by a check whose result has the fields
// verdict, evidence, margin and detail, as the proof modules' verdict types do.
template <class Check>
ClaimResult single_instance_claim(const std::string& id, const std::string& statement, const Check& check) {
  ClaimResult claim;
  claim.id = id;
  claim.statement = statement;
  claim.verdict = check.verdict;
  claim.evidence = check.evidence;
  claim.instances = 1;
  claim.detail = check.detail;
  claim.worst_value = check.margin;
  return claim;
}

// Combines the results of one claim over several instances: refuted if any instance refutes it
// (the first refutation is kept), confirmed if every instance confirms it, inconclusive otherwise.
// The evidence is the weakest among the instances that decided the verdict.
ClaimResult combine_results(const std::vector<ClaimResult>& results);

}  // namespace sgverify
