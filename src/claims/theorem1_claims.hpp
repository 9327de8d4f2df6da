// Finite-horizon decisions of the convergence claims of Theorem 1 from one run:
// T1.global-solution (W_k → W*) and T1.global-attraction (W_k → W* and ω_k → 0 from any start).
#pragma once

#include "claims/verdict.hpp"
#include "models/theorem1.hpp"

#include <optional>

namespace sgverify {

inline const char* const global_solution_id = "T1.global-solution";
inline const char* const global_attraction_id = "T1.global-attraction";
inline const char* const global_solution_statement =
    "With the line-search nu and a small enough mu, W_k tends to the least-squares weights W*";
inline const char* const global_attraction_statement =
    "From any start, W_k tends to W* and (alpha, beta, gamma) tends to (0, 0, 0)";

// A start from which the iteration provably stays away from ω = 0: an exact fixed point
// (W*, (t, t, 0)) with t ≠ 0. It exists exactly when the targets are realizable, y = W*X̄,
// because then A* = [yᵀ | −yᵀ | 1ᵀ] maps (t, t, 0) to 0 and ĝ = (t+1)(p − y) = 0.
struct FixedPointCertificate {
  Theorem1Start start;
  std::string explanation;
};

// Looks for such a fixed point near the run's final ω and proves it with one exact step.
std::optional<FixedPointCertificate> find_nonzero_fixed_point(const Theorem1Problem& problem, const Theorem1Config& config,
                                                             const Theorem1Run& run);

// True when a run meets the theorem's hypotheses: the line-search ν and μ_k from a bound
// schedule (below the proof's bound). Only then can a diverging run refute a convergence claim.
bool theorem1_hypotheses_met(const Theorem1Config& config);

// Worst values are ratios value/threshold, so 1 is the threshold of every instance.
ClaimResult decide_global_solution(const Theorem1Run& run, bool hypotheses_met);
// `certificate` is the exact fixed point found for this run, if any; the caller stores its
// trace and fills in counterexample and replay.
ClaimResult decide_global_attraction(const Theorem1Run& run, const std::optional<FixedPointCertificate>& certificate,
                                     bool hypotheses_met);

}  // namespace sgverify
