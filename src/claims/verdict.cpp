#include "claims/verdict.hpp"

#include <algorithm>
#include <cassert>

namespace sgverify {

std::string to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::confirmed:
      return "confirmed";
    case Verdict::refuted:
      return "refuted";
    case Verdict::inconclusive:
      break;
  }
  return "inconclusive";
}

nlohmann::json to_json(const ClaimResult& claim) {
  nlohmann::json json{{"id", claim.id},
                      {"statement", claim.statement},
                      {"verdict", to_string(claim.verdict)},
                      {"level", to_string(claim.evidence)},
                      {"instances", claim.instances},
                      {"detail", claim.detail},
                      {"worst_value", claim.worst_value},
                      {"threshold", claim.threshold}};
  json["counterexample"] = claim.counterexample.empty() ? nlohmann::json(nullptr) : nlohmann::json(claim.counterexample);
  json["replay"] = claim.replay.empty() ? nlohmann::json(nullptr) : nlohmann::json(claim.replay);
  return json;
}

ClaimResult combine_results(const std::vector<ClaimResult>& results) {
  assert(!results.empty());
  ClaimResult combined = results.front();
  combined.instances = 0;
  for (const ClaimResult& result : results) combined.instances += result.instances;
  const auto weakest = [](Evidence a, Evidence b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; };

  const auto refutation = std::find_if(results.begin(), results.end(), [](const ClaimResult& r) { return r.verdict == Verdict::refuted; });
  if (refutation != results.end()) {
    const std::int64_t instances = combined.instances;
    combined = *refutation;
    combined.instances = instances;
    return combined;
  }
  const bool all_confirmed = std::all_of(results.begin(), results.end(), [](const ClaimResult& r) { return r.verdict == Verdict::confirmed; });
  combined.verdict = all_confirmed ? Verdict::confirmed : Verdict::inconclusive;
  combined.evidence = Evidence::exact;
  combined.worst_value = 0;
  combined.detail.clear();
  for (const ClaimResult& result : results) {
    if (all_confirmed || result.verdict == Verdict::inconclusive) combined.evidence = weakest(combined.evidence, result.evidence);
    combined.worst_value = std::max(combined.worst_value, result.worst_value);
    if (result.verdict == Verdict::inconclusive && combined.detail.empty()) combined.detail = result.detail;
  }
  if (all_confirmed) combined.detail = results.front().detail;
  return combined;
}

}  // namespace sgverify
