// The audit of the Theorem 1 proof: every step over many generated instances, with shrunk
// counterexamples, and the convergence claims over trajectories from the same instances.
#pragma once

#include "proofs/theorem1.hpp"

#include <functional>
#include <optional>

namespace sgverify::proofs {

struct AuditOptions {
  std::int64_t instances = 1000;
  std::uint64_t seed = 1;
  std::string claim;  // one claim id, or empty for all
  // Steps of the double-precision run from each instance's state that decides
  // T1.global-solution and T1.global-attraction.
  std::int64_t convergence_steps = 20000;
  // Compute each instance's ExactStep once per adjust_key instead of once per step. Off, it is
  // the reference that the benchmark compares against.
  bool share_exact_steps = true;
};

struct ClaimAudit {
  ClaimResult result;
  std::int64_t not_applicable = 0;  // instances outside the step's hypotheses
  std::optional<AuditInstance> counterexample;  // shrunk, for refuted claims
  std::string counterexample_detail;
  std::string shrink_summary;  // sizes before and after shrinking
};

// Sizes of the audit's instances: d from 1 to 3 features and S from d + 2 to d + 11 samples.
// Shrinking only removes features and samples, so no audit trace contains a larger instance.
inline constexpr std::int64_t max_audit_dim = 3;
inline constexpr std::int64_t max_audit_extra_samples = 11;
inline constexpr std::int64_t max_audit_samples = max_audit_dim + max_audit_extra_samples;

// Draws instance `index` of the audit with this seed: data family and size, a start or a state
// taken from along an mpfr:128 trajectory, and μ and ν schedules.
AuditInstance generate_audit_instance(std::uint64_t seed, std::int64_t index);

// The smallest failing instance found by greedy reduction: fewer samples, fewer features, then
// shorter rationals, keeping each change that still fails the step.
AuditInstance shrink_counterexample(const ProofStep& step, const AuditInstance& failing, std::string& summary);

// Runs the audit; `progress` receives the number of instances done.
std::vector<ClaimAudit> audit_theorem1(const AuditOptions& options, const std::function<void(std::int64_t)>& progress);

}  // namespace sgverify::proofs
