#include "proofs/critical_points.hpp"

#include "numeric/rational.hpp"

#include <fmt/format.h>

namespace sgverify::proofs {

namespace {

int sign(const Rational& value) { return value > 0 ? 1 : value < 0 ? -1 : 0; }

std::string state_text(const SgSystemState& state) {
  return fmt::format("(a, b, c) = ({}, {}, {})", rational_to_string(state.a), rational_to_string(state.b), rational_to_string(state.c));
}

ClaimResult exact_claim(const std::string& id, const std::string& statement) {
  ClaimResult claim;
  claim.id = id;
  claim.statement = statement;
  claim.evidence = Evidence::exact;
  return claim;
}

}  // namespace

std::vector<Rational> paper_data() { return {Rational(-2), Rational(-1), Rational(1), Rational(2)}; }

Rational absolute_loss(const std::vector<Rational>& x, const Rational& a, const Rational& b) {
  Rational loss(0);
  for (const Rational& value : x) loss += abs(Rational(a * value + b));
  return loss;
}

std::pair<Rational, Rational> absolute_loss_gradient(const std::vector<Rational>& x, const Rational& a, const Rational& b) {
  Rational d_a(0), d_b(0);
  for (const Rational& value : x) {
    const int s = sign(a * value + b);
    d_a += s * value;
    d_b += s;
  }
  return {d_a, d_b};
}

SgSystemState sg_step(const SgSystem& system, const SgSystemState& state) {
  Rational sum_x(0), mean_sign(0);
  for (const Rational& value : system.x) {
    sum_x += value;
    mean_sign += sign(state.a * value + state.b);
  }
  const auto n = static_cast<long>(system.x.size());
  mean_sign /= n;
  SgSystemState next;
  next.a = state.a - system.mu * state.c * sum_x;
  next.b = state.b - system.mu * state.c * n;
  next.c = state.c - system.nu * (state.c - mean_sign);
  return next;
}

SgTrajectory run_sg_system(const SgSystem& system, const SgSystemState& start, std::int64_t steps) {
  SgTrajectory trajectory;
  trajectory.states.push_back(start);
  for (std::int64_t k = 0; k < steps; ++k) {
    SgSystemState next = sg_step(system, trajectory.states.back());
    if (next == trajectory.states.back()) {
      trajectory.fixed_at = k;
      break;
    }
    trajectory.states.push_back(std::move(next));
  }
  return trajectory;
}

// B.sg-critical-line: every (a, 0, 0) is a fixed point: with b = 0 and c = 0 the updates of a and
// b vanish, and mean_i sign(a x_i) = 0 because the data are symmetric about 0.
ClaimResult check_sg_critical_line(const SgSystem& system, const std::vector<Rational>& slopes) {
  ClaimResult claim = exact_claim("B.sg-critical-line", "Every (a, b = 0, c = 0) is a fixed point of the SG system");
  claim.instances = static_cast<std::int64_t>(slopes.size());
  for (const Rational& a : slopes) {
    const SgSystemState state{a, Rational(0), Rational(0)};
    const SgSystemState next = sg_step(system, state);
    if (!(next == state)) {
      claim.verdict = Verdict::refuted;
      claim.worst_value = -1;
      claim.detail = fmt::format("{} moves to {}", state_text(state), state_text(next));
      return claim;
    }
  }
  claim.verdict = Verdict::confirmed;
  claim.detail = fmt::format("one exact step leaves (a, 0, 0) unchanged for all {} slopes tried (a = 0 and random rationals in [-4, 4])",
                             slopes.size());
  return claim;
}

// B.not-critical: at a = 1, b = 0, ∂L/∂a = Σ x_i sign(x_i) = Σ|x_i| (6 for the paper's data), so
// the original loss is not critical there, though the SG system is.
ClaimResult check_not_critical(const std::vector<Rational>& x) {
  ClaimResult claim = exact_claim("B.not-critical", "At a = 1, b = 0 the original loss is not critical: dL/da = sum x_i sign(x_i) = 6");
  claim.instances = 1;
  const auto [d_a, d_b] = absolute_loss_gradient(x, Rational(1), Rational(0));
  Rational absolute_sum(0);
  for (const Rational& value : x) absolute_sum += abs(value);
  const bool holds = d_a == absolute_sum && d_a != 0;
  claim.verdict = holds ? Verdict::confirmed : Verdict::refuted;
  claim.worst_value = rational_to_double(d_a);
  claim.threshold = 0;
  claim.detail = fmt::format("dL/da = {}, dL/db = {} at (1, 0); the loss there is {}, the minimum is 0 at (0, 0)", rational_to_string(d_a),
                             rational_to_string(d_b), rational_to_string(absolute_loss(x, Rational(1), Rational(0))));
  return claim;
}

// B.stall: the update of a is −μ c Σ x_i, so Σ x_i = 0 leaves a unchanged from any start.
ClaimResult check_stall(const SgSystem& system, const std::vector<SgSystemState>& starts, std::int64_t steps) {
  ClaimResult claim = exact_claim("B.stall", "From any start the SG system leaves a unchanged, since the update of a is -mu c sum x_i");
  claim.instances = static_cast<std::int64_t>(starts.size());
  for (const SgSystemState& start : starts) {
    const SgTrajectory trajectory = run_sg_system(system, start, steps);
    for (std::size_t k = 0; k < trajectory.states.size(); ++k) {
      if (trajectory.states[k].a != start.a) {
        claim.verdict = Verdict::refuted;
        claim.worst_value = -1;
        claim.detail = fmt::format("from {}, a changes at step {} to {}", state_text(start), k, rational_to_string(trajectory.states[k].a));
        return claim;
      }
    }
  }
  claim.verdict = Verdict::confirmed;
  claim.detail = fmt::format("a stays exactly at its start over {} exact steps from each of {} random starts", steps, starts.size());
  return claim;
}

ClaimResult check_critical_set(const SgSystem& system) {
  ClaimResult claim = exact_claim("B.sg-critical-set",
                                  "The SG system's fixed points with c = 0 are exactly the (a, b) with |b| < |a|, and (0, 0): a cone "
                                  "that contains the line b = 0");
  for (int i = -12; i <= 12; ++i) {
    for (int j = -12; j <= 12; ++j) {
      const SgSystemState state{Rational(i, 4), Rational(j, 4), Rational(0)};
      const bool fixed = sg_step(system, state) == state;
      const bool predicted = abs(state.b) < abs(state.a) || (state.a == 0 && state.b == 0);
      ++claim.instances;
      if (fixed != predicted) {
        claim.verdict = Verdict::refuted;
        claim.worst_value = -1;
        claim.detail = fmt::format("{} is {}a fixed point", state_text(state), fixed ? "" : "not ");
        return claim;
      }
    }
  }
  claim.verdict = Verdict::confirmed;
  claim.detail = fmt::format("exact on all {} grid points (a, b) in quarters of [-3, 3]^2 with c = 0", claim.instances);
  return claim;
}

}  // namespace sgverify::proofs
