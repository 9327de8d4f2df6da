#include "proofs/theorem1_audit.hpp"

#include "claims/theorem1_claims.hpp"
#include "data/families.hpp"
#include "data/rng.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace sgverify::proofs {

namespace {

// Precision of the interval checks, and of the trajectories that states are taken from.
constexpr unsigned check_bits = 256;
constexpr unsigned trajectory_bits = 128;
// States taken from trajectories are rounded to this dyadic grid, which keeps exact checks fast;
// any rational state is a valid instance.
constexpr unsigned state_grid_bits = 64;
// Upper limit of step evaluations while shrinking one counterexample.
constexpr int max_shrink_evaluations = 4000;

std::uint64_t mix(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + index + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rational pick(Random& random, std::initializer_list<Rational> choices) {
  const auto index = random.below(choices.size());
  return *(choices.begin() + static_cast<std::ptrdiff_t>(index));
}

std::size_t instance_bits(const AuditInstance& instance) {
  std::size_t bits = 0;
  for (Eigen::Index i = 0; i < instance.data.X.size(); ++i) bits += bit_length(instance.data.X(i));
  for (Eigen::Index i = 0; i < instance.data.y.size(); ++i) bits += bit_length(instance.data.y(i));
  for (Eigen::Index i = 0; i < instance.W.size(); ++i) bits += bit_length(instance.W(i));
  for (Eigen::Index i = 0; i < instance.omega.size(); ++i) bits += bit_length(instance.omega(i));
  return bits + bit_length(instance.mu.value) + bit_length(instance.nu.value);
}

std::string size_text(const AuditInstance& instance) {
  return fmt::format("d = {}, S = {}, {} bits", instance.data.dim(), instance.data.samples(), instance_bits(instance));
}

bool fails(const ProofStep& step, const AuditInstance& instance, int& evaluations) {
  ++evaluations;
  return check_step(step, instance).verdict == Verdict::refuted;
}

AuditInstance without_sample(const AuditInstance& instance, Eigen::Index sample) {
  AuditInstance smaller = instance;
  const Eigen::Index samples = instance.data.samples();
  smaller.data.X.resize(instance.data.dim(), samples - 1);
  smaller.data.y.resize(samples - 1);
  for (Eigen::Index s = 0, t = 0; s < samples; ++s) {
    if (s == sample) continue;
    smaller.data.X.col(t) = instance.data.X.col(s);
    smaller.data.y(t) = instance.data.y(s);
    ++t;
  }
  return smaller;
}

AuditInstance without_feature(const AuditInstance& instance, Eigen::Index feature) {
  AuditInstance smaller = instance;
  const Eigen::Index dim = instance.data.dim();
  smaller.data.X.resize(dim - 1, instance.data.samples());
  smaller.W.resize(dim);  // d − 1 weights and the bias
  for (Eigen::Index i = 0, j = 0; i <= dim; ++i) {
    if (i == feature) continue;
    if (i < dim) smaller.data.X.row(j) = instance.data.X.row(i);
    smaller.W(j) = instance.W(i);
    ++j;
  }
  smaller.data.feature_names.erase(smaller.data.feature_names.begin() + feature);
  return smaller;
}

// Simpler values to try in place of v, simplest first: 0, then v rounded to coarser grids.
std::vector<Rational> simpler_values(const Rational& value) {
  std::vector<Rational> candidates{Rational(0)};
  for (unsigned grid = 0; grid <= 16; grid += 2) candidates.push_back(round_to_dyadic(value, grid));
  return candidates;
}

// Pointers to every rational of an instance that shrinking may simplify.
std::vector<Rational*> shrinkable_values(AuditInstance& instance) {
  std::vector<Rational*> values;
  for (Eigen::Index i = 0; i < instance.data.X.size(); ++i) values.push_back(&instance.data.X(i));
  for (Eigen::Index i = 0; i < instance.data.y.size(); ++i) values.push_back(&instance.data.y(i));
  for (Eigen::Index i = 0; i < instance.W.size(); ++i) values.push_back(&instance.W(i));
  for (Eigen::Index i = 0; i < instance.omega.size(); ++i) values.push_back(&instance.omega(i));
  return values;
}

}  // namespace

AuditInstance generate_audit_instance(std::uint64_t seed, std::int64_t index) {
  Random random(mix(seed, static_cast<std::uint64_t>(index)));
  FamilySpec spec;
  const auto family = random.below(5);
  spec.family = family <= 1 ? Family::regression : family == 2 ? Family::linear : family == 3 ? Family::noisy : Family::random;
  spec.noise = family == 1 ? Rational(1, 2) : Rational(0);
  spec.dim = 1 + static_cast<Eigen::Index>(random.below(max_audit_dim));
  spec.samples = spec.dim + 2 + static_cast<Eigen::Index>(random.below(max_audit_extra_samples - 1));
  spec.seed = random.next();

  AuditInstance instance;
  instance.data = make_family_dataset(spec);
  const Theorem1Problem problem(instance.data);
  const auto mu_kind = random.below(3);
  if (mu_kind == 0) {
    const Rational theta = pick(random, {Rational(1, 4), Rational(1, 2), Rational(1)});
    instance.mu = MuSchedule{MuSchedule::Kind::fixed, round_to_dyadic(theta / problem.spectrum.norm_upper, 40)};
    if (instance.mu.value <= 0) instance.mu.value = Rational(1, boost::multiprecision::mpz_int(1) << 40);
  } else {
    instance.mu = MuSchedule{mu_kind == 1 ? MuSchedule::Kind::bound_derived : MuSchedule::Kind::bound_literal,
                             pick(random, {Rational(1, 4), Rational(1, 2), Rational(3, 4)})};
  }
  if (random.below(4) == 0) {
    // A fixed ν of 2^-k ≤ 1/(2(yyᵀ + S)): below 2/λ_max(AᵀA) while ‖p‖ stays near ‖y‖.
    const double scale = rational_to_double(problem.y_dot_y) + static_cast<double>(instance.data.samples());
    const int exponent = static_cast<int>(std::ceil(std::log2(2 * scale)));
    instance.nu = NuSchedule{false, Rational(1, boost::multiprecision::mpz_int(1) << exponent)};
  } else {
    instance.nu = NuSchedule{true, 0};
  }

  const auto start_kind = random.below(3);
  const Start start = start_kind == 1 ? Start::random : Start::paper;
  const Theorem1Start initial = make_start(problem, start, random.next());
  instance.W = initial.W;
  instance.omega = initial.omega;
  instance.origin = fmt::format("family {}, {} start", to_string(spec.family), to_string(start));
  if (start_kind == 2) {
    const std::int64_t length = *(std::initializer_list<std::int64_t>{10, 100, 1000}.begin() + random.below(3));
    Theorem1Config config;
    config.arithmetic = ArithmeticSpec{ArithmeticKind::mpfr, trajectory_bits};
    config.path = Theorem1Path::moments;
    config.mu = instance.mu;
    config.nu = instance.nu;
    config.start = initial;
    config.steps = length;
    config.record_step = [](std::int64_t) { return false; };
    const Theorem1Run run = run_theorem1(problem, least_squares_weights_exact(problem, initial.W), config);
    if (run.final_W.size() == initial.W.size()) {
      instance.W = run.final_W.unaryExpr([](const Rational& v) { return round_to_dyadic(v, state_grid_bits); });
      instance.omega = run.final_omega.unaryExpr([](const Rational& v) { return round_to_dyadic(v, state_grid_bits); });
      instance.origin = fmt::format("family {}, state at step {} of an mpfr:{} trajectory from the {} start", to_string(spec.family),
                                    run.steps_done, trajectory_bits, to_string(start));
    }
  }
  return instance;
}

AuditInstance shrink_counterexample(const ProofStep& step, const AuditInstance& failing, std::string& summary) {
  AuditInstance best = failing;
  int evaluations = 0;
  bool improved = true;
  while (improved && evaluations < max_shrink_evaluations) {
    improved = false;
    for (Eigen::Index s = 0; s < best.data.samples() && best.data.samples() > 1; ++s) {
      const AuditInstance candidate = without_sample(best, s);
      if (fails(step, candidate, evaluations)) {
        best = candidate;
        improved = true;
        --s;
      }
    }
    for (Eigen::Index i = 0; i < best.data.dim() && best.data.dim() > 1; ++i) {
      const AuditInstance candidate = without_feature(best, i);
      if (fails(step, candidate, evaluations)) {
        best = candidate;
        improved = true;
        --i;
      }
    }
    const std::size_t value_count = shrinkable_values(best).size();
    for (std::size_t v = 0; v < value_count && evaluations < max_shrink_evaluations; ++v) {
      const Rational current = *shrinkable_values(best)[v];
      for (const Rational& simpler : simpler_values(current)) {
        if (bit_length(simpler) >= bit_length(current)) continue;
        AuditInstance candidate = best;
        *shrinkable_values(candidate)[v] = simpler;
        if (fails(step, candidate, evaluations)) {
          best = candidate;
          improved = true;
          break;
        }
      }
    }
  }
  summary = fmt::format("shrunk from {} to {} in {} evaluations", size_text(failing), size_text(best), evaluations);
  best.origin = failing.origin + ", shrunk";
  best.data.source = failing.data.source + fmt::format(", shrunk to d = {}, S = {}", best.data.dim(), best.data.samples());
  return best;
}

std::vector<ClaimAudit> audit_theorem1(const AuditOptions& options, const std::function<void(std::int64_t)>& progress) {
  std::vector<const ProofStep*> steps;
  for (const ProofStep& step : theorem1_steps())
    if (options.claim.empty() || options.claim == step.id) steps.push_back(&step);
  const bool convergence = options.claim.empty() || options.claim == global_solution_id || options.claim == global_attraction_id;
  if (!options.claim.empty() && steps.empty() && !convergence) find_theorem1_step(options.claim);  // throws with the known ids

  struct Tally {
    std::int64_t confirmed = 0, refuted = 0, inconclusive = 0, not_applicable = 0;
    Evidence weakest = Evidence::exact;
    double worst_margin = std::numeric_limits<double>::infinity();
    std::string worst_detail, first_inconclusive;
    std::optional<AuditInstance> first_failure;
    std::string failure_detail;
  };
  std::vector<Tally> tallies(steps.size());
  std::vector<ClaimResult> solution_results, attraction_results;
  std::optional<AuditInstance> attraction_counterexample;

  for (std::int64_t index = 0; index < options.instances; ++index) {
    const AuditInstance instance = generate_audit_instance(options.seed, index);
    set_multiprecision_bits(check_bits);
    std::map<std::string, ExactStep> shared;
    for (std::size_t j = 0; j < steps.size(); ++j) {
      StepVerdict verdict;
      if (options.share_exact_steps) {
        auto found = shared.find(steps[j]->adjust_key);
        if (found == shared.end()) {
          const AuditInstance adjusted = steps[j]->adjust ? steps[j]->adjust(instance) : instance;
          found = shared.emplace(steps[j]->adjust_key, compute_step(adjusted)).first;
        }
        verdict = steps[j]->check(found->second);
      } else {
        verdict = check_step(*steps[j], instance);
      }
      Tally& tally = tallies[j];
      if (!verdict.applicable) {
        ++tally.not_applicable;
        continue;
      }
      if (static_cast<int>(verdict.evidence) > static_cast<int>(tally.weakest)) tally.weakest = verdict.evidence;
      if (verdict.margin < tally.worst_margin) {
        tally.worst_margin = verdict.margin;
        tally.worst_detail = verdict.detail;
      }
      if (verdict.verdict == Verdict::confirmed) ++tally.confirmed;
      if (verdict.verdict == Verdict::inconclusive) {
        ++tally.inconclusive;
        if (tally.first_inconclusive.empty()) tally.first_inconclusive = verdict.detail;
      }
      if (verdict.verdict == Verdict::refuted) {
        ++tally.refuted;
        if (!tally.first_failure) {
          tally.first_failure = instance;
          tally.failure_detail = verdict.detail;
        }
      }
    }

    if (convergence) {
      // The theorem's hypotheses: the line-search ν and μ_k below the proof's bound (bound-derived, θ = 1/2).
      const Theorem1Problem problem(instance.data);
      Theorem1Config config;
      config.arithmetic = ArithmeticSpec{ArithmeticKind::double_precision, 0};
      config.path = Theorem1Path::samples;
      config.mu = MuSchedule{MuSchedule::Kind::bound_derived, Rational(1, 2)};
      config.nu = NuSchedule{true, 0};
      config.start = Theorem1Start{instance.W, instance.omega};
      config.steps = options.convergence_steps;
      config.record_step = [](std::int64_t) { return false; };
      const Theorem1Run run = run_theorem1(problem, least_squares_weights_exact(problem, instance.W), config);
      solution_results.push_back(decide_global_solution(run, theorem1_hypotheses_met(config)));
      const auto certificate = find_nonzero_fixed_point(problem, config, run);
      attraction_results.push_back(decide_global_attraction(run, certificate, theorem1_hypotheses_met(config)));
      if (certificate && !attraction_counterexample) {
        AuditInstance fixed = instance;
        fixed.W = certificate->start.W;
        fixed.omega = certificate->start.omega;
        fixed.mu = config.mu;
        fixed.nu = config.nu;
        fixed.origin = instance.origin + "; exact fixed point (W*, (t, t, 0)) of its realizable data";
        attraction_counterexample = fixed;
      }
    }
    if (progress) progress(index + 1);
  }

  std::vector<ClaimAudit> audits;
  for (std::size_t j = 0; j < steps.size(); ++j) {
    const Tally& tally = tallies[j];
    ClaimAudit audit;
    ClaimResult& result = audit.result;
    result.id = steps[j]->id;
    result.statement = steps[j]->statement;
    result.instances = tally.confirmed + tally.refuted + tally.inconclusive;
    audit.not_applicable = tally.not_applicable;
    result.evidence = tally.weakest;
    result.worst_value = std::isfinite(tally.worst_margin) ? tally.worst_margin : 0;
    result.threshold = 0;
    const std::string drawn = fmt::format("{} instances meeting the hypotheses (of {} drawn, seed {})", result.instances,
                                          options.instances, options.seed);
    if (tally.refuted > 0) {
      result.verdict = Verdict::refuted;
      result.evidence = steps[j]->target == Evidence::exact ? Evidence::exact : Evidence::certified;
      audit.counterexample = shrink_counterexample(*steps[j], *tally.first_failure, audit.shrink_summary);
      audit.counterexample_detail = check_step(*steps[j], *audit.counterexample).detail;
      result.detail = fmt::format("fails on {} of {}; counterexample: {} ({})", tally.refuted, drawn, audit.counterexample_detail,
                                  audit.shrink_summary);
    } else if (tally.inconclusive > 0 || result.instances == 0) {
      result.verdict = Verdict::inconclusive;
      result.detail = result.instances == 0 ? "no instance met the hypotheses"
                                            : fmt::format("{} of {} undecided, e.g. {}", tally.inconclusive, drawn, tally.first_inconclusive);
    } else {
      result.verdict = Verdict::confirmed;
      result.detail = fmt::format("holds on all {}; worst margin: {}", drawn, tally.worst_detail);
    }
    audits.push_back(std::move(audit));
  }
  if (convergence) {
    const auto add = [&](const char* id, const std::vector<ClaimResult>& results, const std::optional<AuditInstance>& counterexample) {
      if (!options.claim.empty() && options.claim != id) return;
      ClaimAudit audit;
      audit.result = combine_results(results);
      audit.result.detail = fmt::format("double-precision runs of {} steps from each instance's state with the line-search nu and "
                                        "bound-derived:1/2; {}",
                                        options.convergence_steps, audit.result.detail);
      if (audit.result.verdict == Verdict::refuted && counterexample) {
        audit.counterexample = counterexample;
        audit.counterexample_detail = "exact fixed point with omega != 0";
      }
      audits.push_back(std::move(audit));
    };
    add(global_solution_id, solution_results, std::nullopt);
    add(global_attraction_id, attraction_results, attraction_counterexample);
  }
  return audits;
}

}  // namespace sgverify::proofs
