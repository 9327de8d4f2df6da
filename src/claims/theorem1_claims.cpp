#include "claims/theorem1_claims.hpp"

#include "numeric/rational.hpp"

#include <fmt/format.h>

namespace sgverify {

namespace {

double last_ratio(double value, double threshold) { return threshold > 0 ? value / threshold : value; }

// The reason a run stopped before its last step, for the detail of a confirmed claim.
std::string stop_suffix(const Theorem1Run& run) { return run.stop_reason.empty() ? std::string() : "; " + run.stop_reason; }

std::string horizon_text(const Theorem1Run& run) {
  return fmt::format("{} arithmetic, {} of {} steps", run.arithmetic, run.steps_done, run.steps_requested);
}

}  // namespace

std::optional<FixedPointCertificate> find_nonzero_fixed_point(const Theorem1Problem& problem, const Theorem1Config& config,
                                                             const Theorem1Run& run) {
  const RowVector<Rational> W_star = least_squares_weights_exact(problem, config.start.W);
  const RowVector<Rational> residual = problem.data.y - W_star * problem.data.augmented();
  if (!residual.isZero()) return std::nullopt;  // exact test: the epsilon of mpq_rational is 0

  // t is the mean of α and β at the end of the run, rounded to the grid, or −1 (the α_0 and β_0
  // of the paper's start) when that mean rounds to 0.
  Rational t = run.final_omega.size() == 3 ? round_to_dyadic((run.final_omega(0) + run.final_omega(1)) / 2, default_grid_bits)
                                           : Rational(0);
  if (t == 0) t = -1;
  FixedPointCertificate certificate;
  certificate.start.W = W_star;
  certificate.start.omega = Vector<Rational>(3);
  certificate.start.omega << t, t, Rational(0);

  const Theorem1Run check = run_theorem1<Rational>(problem, W_star, exact_step_config(config, certificate.start));
  if (check.final_W != certificate.start.W || check.final_omega != certificate.start.omega) return std::nullopt;
  certificate.explanation = fmt::format(
      "the targets are exactly realizable (y = W*X̄), and one exact step from W = W*, omega = ({0}, {0}, 0) returns the same "
      "state, so from that start omega stays at distance {1:.6g} from 0 forever",
      rational_to_string(t), std::sqrt(2.0) * std::abs(rational_to_double(t)));
  return certificate;
}

bool theorem1_hypotheses_met(const Theorem1Config& config) {
  return config.nu.line_search && config.mu.kind != MuSchedule::Kind::fixed;
}

ClaimResult decide_global_solution(const Theorem1Run& run, bool hypotheses_met) {
  ClaimResult claim;
  claim.id = global_solution_id;
  claim.statement = global_solution_statement;
  claim.instances = 1;
  claim.evidence = run.evidence;
  claim.threshold = 1;
  const RecordedStep& last = run.trajectory.back();
  claim.worst_value = last_ratio(last.weights_error, run.weights_threshold);
  const std::string measured = fmt::format("||W - W*|| = {:.3g} against the tolerance {:.3g} ({})", last.weights_error,
                                           run.weights_threshold, horizon_text(run));
  if (run.diverged && hypotheses_met) {
    claim.verdict = Verdict::refuted;
    claim.evidence = Evidence::numerical;
    claim.detail = "the run diverged under the theorem's hypotheses: " + run.stop_reason;
  } else if (run.diverged) {
    claim.verdict = Verdict::inconclusive;
    claim.detail = "hypothesis not met (the theorem assumes the line-search nu and mu below its bound), and the run diverged: " +
                   run.stop_reason;
  } else if (run.weights_within == Decision::yes) {
    claim.verdict = Verdict::confirmed;
    claim.detail = "within tolerance at the finite horizon: " + measured + stop_suffix(run);
  } else {
    claim.verdict = Verdict::inconclusive;
    claim.detail = (run.stop_reason.empty() ? std::string("not within tolerance: ") : run.stop_reason + "; ") + measured;
  }
  return claim;
}

ClaimResult decide_global_attraction(const Theorem1Run& run, const std::optional<FixedPointCertificate>& certificate,
                                     bool hypotheses_met) {
  ClaimResult claim;
  claim.id = global_attraction_id;
  claim.statement = global_attraction_statement;
  claim.instances = 1;
  claim.evidence = run.evidence;
  claim.threshold = 1;
  const RecordedStep& last = run.trajectory.back();
  claim.worst_value = std::max(last_ratio(last.weights_error, run.weights_threshold), last_ratio(last.omega_norm, run.omega_threshold));
  const std::string measured =
      fmt::format("||W - W*|| = {:.3g} (tolerance {:.3g}), ||omega|| = {:.3g} (tolerance {:.3g}), ||xi|| = {:.3g} ({})",
                  last.weights_error, run.weights_threshold, last.omega_norm, run.omega_threshold, last.xi_norm, horizon_text(run));
  if (certificate) {
    claim.verdict = Verdict::refuted;
    claim.evidence = Evidence::exact;
    claim.detail = "counterexample: " + certificate->explanation + ". This run: " + measured;
  } else if (run.diverged && hypotheses_met) {
    claim.verdict = Verdict::refuted;
    claim.evidence = Evidence::numerical;
    claim.detail = "the run diverged under the theorem's hypotheses: " + run.stop_reason;
  } else if (run.diverged) {
    claim.verdict = Verdict::inconclusive;
    claim.detail = "hypothesis not met (the theorem assumes the line-search nu and mu below its bound), and the run diverged: " +
                   run.stop_reason;
  } else if (run.weights_within == Decision::yes && run.omega_within == Decision::yes) {
    claim.verdict = Verdict::confirmed;
    claim.detail = "within tolerance at the finite horizon: " + measured + stop_suffix(run);
  } else {
    claim.verdict = Verdict::inconclusive;
    claim.detail = (run.stop_reason.empty() ? std::string("not within tolerance: ") : run.stop_reason + "; ") + measured;
  }
  return claim;
}

}  // namespace sgverify
