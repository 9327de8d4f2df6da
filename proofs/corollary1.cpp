#include "proofs/corollary1.hpp"

#include "data/rng.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"

#include <Eigen/LU>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace sgverify::proofs {

namespace {

Rational largest_difference(const Matrix<Rational>& left, const Matrix<Rational>& right) {
  Rational largest(0);
  for (Eigen::Index i = 0; i < left.size(); ++i) {
    const Rational difference = abs(Rational(left.data()[i] - right.data()[i]));
    if (difference > largest) largest = difference;
  }
  return largest;
}

Matrix<Rational> remove_row(const Matrix<Rational>& matrix, Eigen::Index row) {
  Matrix<Rational> result(matrix.rows() - 1, matrix.cols());
  for (Eigen::Index i = 0, k = 0; i < matrix.rows(); ++i)
    if (i != row) result.row(k++) = matrix.row(i);
  return result;
}

Matrix<Rational> remove_column(const Matrix<Rational>& matrix, Eigen::Index column) {
  return remove_row(matrix.transpose(), column).transpose();
}

// The instance with unit `unit` of layer `layer` removed (layer 0 is the input, depth + 1 the output).
// The source of a shrunk instance: the original source marked "(shrunk)" once, however many
// shrink steps it took.
std::string shrunk_source(const std::string& source) {
  constexpr std::string_view mark = " (shrunk)";
  return source.ends_with(mark) ? source : source + std::string(mark);
}

Corollary1Instance remove_unit(const Corollary1Instance& instance, std::size_t layer, Eigen::Index unit) {
  Corollary1Instance smaller = instance;
  const std::size_t last = smaller.architecture.widths.size() - 1;
  const auto j = static_cast<std::size_t>(smaller.architecture.sg_layer);
  smaller.architecture.widths[layer] -= 1;
  if (layer > 0) smaller.state.W[layer - 1] = remove_row(smaller.state.W[layer - 1], unit);
  if (layer < last) smaller.state.W[layer] = remove_column(smaller.state.W[layer], unit);
  Matrix<Rational> X = smaller.problem.X, Y = smaller.problem.Y;
  if (layer == 0) X = remove_row(X, unit);
  if (layer == last) {
    Y = remove_row(Y, unit);
    smaller.state.D = remove_column(smaller.state.D, unit);
  }
  if (layer == j) {
    smaller.state.C = remove_column(remove_row(smaller.state.C, unit), unit);
    smaller.state.D = remove_row(smaller.state.D, unit);
    smaller.state.c = remove_row(smaller.state.c, unit);
  }
  smaller.problem = DeepLinearProblem(shrunk_source(instance.problem.source), X, Y);
  return smaller;
}

Corollary1Instance remove_sample(const Corollary1Instance& instance, Eigen::Index sample) {
  Corollary1Instance smaller = instance;
  smaller.problem = DeepLinearProblem(shrunk_source(instance.problem.source), remove_column(instance.problem.X, sample),
                                      remove_column(instance.problem.Y, sample));
  return smaller;
}

DeepLinearConfig exact_config(const Corollary1Instance& instance, GateSchedule schedule) {
  DeepLinearConfig config;
  config.arithmetic = ArithmeticSpec{ArithmeticKind::exact, 0};
  config.architecture = instance.architecture;
  config.schedule = schedule;
  config.norm = JacobianNorm::frobenius;
  config.eps = instance.eps;
  config.nu = instance.nu;
  return config;
}

}  // namespace

Corollary1Verdict check_linear_sg_fit(const Matrix<Rational>& H, const Matrix<Rational>& Y, const Matrix<Rational>& G,
                                      const Matrix<Rational>& closed_form_C, const Matrix<Rational>& closed_form_D) {
  // Least squares over the samples: Θ = [C | D | c] solves Θ(Z_hZ_hᵀ) = GZ_hᵀ with Z_h = [H; Y; 1ᵀ].
  // These normal equations always have a solution, and FullPivLU returns one exactly.
  const Eigen::Index samples = H.cols();
  Matrix<Rational> design(H.rows() + Y.rows() + 1, samples);
  design.topRows(H.rows()) = H;
  design.middleRows(H.rows(), Y.rows()) = Y;
  design.bottomRows(1).setConstant(Rational(1));
  const Matrix<Rational> normal = design * design.transpose();
  const Matrix<Rational> theta_transposed = normal.fullPivLu().solve(Matrix<Rational>(design * G.transpose()));
  const Rational fit_error = largest_difference(Matrix<Rational>(theta_transposed.transpose() * design), G);
  const Rational closed_error = largest_difference(Matrix<Rational>(closed_form_C * H + closed_form_D * Y), G);

  Corollary1Verdict verdict;
  verdict.evidence = Evidence::exact;
  const Rational worst = fit_error > closed_error ? fit_error : closed_error;
  verdict.margin = -rational_to_double(worst);
  verdict.verdict = worst == 0 ? Verdict::confirmed : Verdict::refuted;
  verdict.detail = worst == 0 ? fmt::format("the fitted linear SG and C = P_j^T P_j, D = -P_j^T, c = 0 both reproduce dL/dh_j exactly at all {} samples", samples)
                              : fmt::format("largest residual of the exact least-squares fit {:.6g}, of the closed form {:.6g}",
                                            rational_to_double(fit_error), rational_to_double(closed_error));
  return verdict;
}

Corollary1Verdict check_linear_sg_exact(const Corollary1Instance& instance, const CheckProgress& progress) {
  const BackpropResult<Rational> backprop = backpropagate_samples<Rational>(instance.problem, instance.architecture, instance.state);
  if (progress) progress(1);
  const DeepLinearState<Rational> exact = with_exact_sg(instance.state, instance.architecture);
  return check_linear_sg_fit(backprop.hidden, instance.problem.Y, backprop.hidden_gradient, exact.C, exact.D);
}

GateFacts compute_gate_facts(const Corollary1Instance& instance, GateSchedule schedule, const CheckProgress& progress) {
  const DeepLinearConfig config = exact_config(instance, schedule);
  const DeepLinearQuantities<Rational> quantities =
      compute_deep_linear_quantities<Rational>(instance.problem.moments, instance.architecture, instance.state, true);
  if (progress) progress(1);
  Matrix<Rational> direction;
  const GateDecision<Rational> gate = decide_gate<Rational>(instance.problem.moments, config, quantities, direction);
  if (progress) progress(2);
  const DeepLinearState<Rational> next = deep_linear_step<Rational>(config, instance.state, quantities, gate);
  GateFacts facts;
  facts.e_squared = quantities.e_squared;
  facts.jacobian_squared = quantities.jacobian_frobenius_squared;
  facts.lower_gradient_squared = quantities.lower_gradient_squared;
  for (int i = 0; i < instance.architecture.sg_layer; ++i) {
    facts.lower_before.push_back(instance.state.W[static_cast<std::size_t>(i)]);
    facts.lower_after.push_back(next.W[static_cast<std::size_t>(i)]);
  }
  return facts;
}

Corollary1Verdict check_gate_facts(const GateFacts& facts, GateSchedule schedule) {
  const Rational left = 9 * facts.e_squared * facts.jacobian_squared;  // (3‖e‖K)²
  const Rational& right = facts.lower_gradient_squared;               // ‖∂L/∂θ_{<h}‖²
  const bool gate_open = left < right;
  bool moved = false;
  for (std::size_t i = 0; i < facts.lower_before.size(); ++i) moved = moved || facts.lower_before[i] != facts.lower_after[i];

  Corollary1Verdict verdict;
  verdict.evidence = Evidence::exact;
  const Rational gap = right - left;
  const Rational scale = right > left ? right : left;
  const double relative_gap = scale > 0 ? std::abs(rational_to_double(gap / scale)) : 0.0;
  verdict.verdict = gate_open == moved ? Verdict::confirmed : Verdict::refuted;
  verdict.margin = gate_open == moved ? relative_gap : -std::max(relative_gap, 1e-300);
  verdict.detail = fmt::format("{}: gate {} (9||e||^2 K_F^2 = {:.6g} against ||dL/dtheta_<h||^2 = {:.6g}), lower block {}",
                               to_string(schedule), gate_open ? "open" : "closed", rational_to_double(left), rational_to_double(right),
                               moved ? "moved" : "did not move");
  return verdict;
}

Corollary1Verdict check_gate_iff(const Corollary1Instance& instance, GateSchedule schedule, const CheckProgress& progress) {
  return check_gate_facts(compute_gate_facts(instance, schedule, progress), schedule);
}

double exact_check_work(const DeepLinearArchitecture& architecture, std::int64_t samples) {
  const auto& widths = architecture.widths;
  const double matrices = static_cast<double>(widths.size()) - 1;
  const double w = static_cast<double>(*std::max_element(widths.begin(), widths.end()));
  const double m = static_cast<double>(architecture.input_dim() + architecture.output_dim() + 1);
  const double k = static_cast<double>(widths[static_cast<std::size_t>(architecture.sg_layer)] + architecture.output_dim() + 1);
  const double S = static_cast<double>(samples);
  return matrices * w * w * (m + S) + m * m * S + k * k * k;
}

ClaimResult decide_convergence(const DeepLinearRun& run, const DeepLinearRun* baseline) {
  ClaimResult claim;
  claim.id = convergence_id;
  claim.statement = "Under the schedule-consistent rate, ||grad_theta L|| over all layers tends to 0";
  claim.instances = 1;
  claim.evidence = run.evidence;
  const double threshold = rational_to_double(convergence_relative_tolerance) * std::max(1.0, run.initial_gradient_norm);
  claim.threshold = 1;
  claim.worst_value = threshold > 0 ? run.final_gradient_norm / threshold : run.final_gradient_norm;
  std::string measured = fmt::format("||grad L|| = {:.3g} after {} of {} steps against the tolerance {:.3g} = 1e-6 * max(1, ||grad L_0|| = {:.3g}) "
                                     "({}); the gate was open in {} steps",
                                     run.final_gradient_norm, run.steps_done, run.steps_requested, threshold, run.initial_gradient_norm,
                                     run.arithmetic, run.open_steps);
  if (baseline) measured += fmt::format("; backpropagation reached {:.3g}", baseline->final_gradient_norm);
  if (run.diverged) {
    claim.verdict = Verdict::refuted;
    claim.evidence = Evidence::numerical;
    claim.detail = "the run diverged: " + run.stop_reason;
  } else if (run.final_gradient_norm <= threshold) {
    claim.verdict = Verdict::confirmed;
    claim.detail = "within tolerance at the finite horizon: " + measured;
  } else {
    claim.verdict = Verdict::inconclusive;
    claim.detail = "not within tolerance at the finite horizon: " + measured;
  }
  return claim;
}

Corollary1Instance generate_corollary1_instance(std::uint64_t seed, std::int64_t index) {
  Random random(seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(index));
  // Entries on the grid 2^-4 keep exact rationals short.
  constexpr unsigned grid = 4;
  DeepLinearArchitecture architecture;
  const int depth = 1 + static_cast<int>(random.below(3));
  architecture.widths.push_back(1 + static_cast<Eigen::Index>(random.below(3)));
  for (int i = 0; i < depth; ++i) architecture.widths.push_back(1 + static_cast<Eigen::Index>(random.below(3)));
  architecture.widths.push_back(1 + static_cast<Eigen::Index>(random.below(2)));
  architecture.sg_layer = 1 + static_cast<int>(random.below(static_cast<std::uint64_t>(depth)));
  const auto samples = 1 + static_cast<Eigen::Index>(random.below(6));

  Matrix<Rational> X(architecture.input_dim(), samples), Y(architecture.output_dim(), samples);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = random.gaussian(grid);
  for (Eigen::Index i = 0; i < Y.size(); ++i) Y.data()[i] = random.gaussian(grid);
  DeepLinearState<Rational> state;
  for (std::size_t i = 1; i < architecture.widths.size(); ++i) {
    Matrix<Rational> weights(architecture.widths[i], architecture.widths[i - 1]);
    for (Eigen::Index k = 0; k < weights.size(); ++k) weights.data()[k] = random.gaussian(grid);
    state.W.push_back(weights);
  }
  const Eigen::Index width = architecture.widths[static_cast<std::size_t>(architecture.sg_layer)];
  state.C = Matrix<Rational>::Zero(width, width);
  state.D = Matrix<Rational>::Zero(width, architecture.output_dim());
  state.c = Vector<Rational>::Zero(width);

  Corollary1Instance instance{DeepLinearProblem(fmt::format("generated, seed {}, index {}", seed, index), X, Y), architecture, state,
                              Rational(1, 8), Rational(1, 16), ""};
  switch (index % 5) {
    case 0:
      instance.origin = "the paper's start (zero SG)";
      break;
    case 1:
      instance.origin = "exact SG";
      instance.state = with_exact_sg(state, architecture);
      break;
    case 2:
      instance.origin = "exact SG with C(0,0) + 1/16";
      instance.state = with_exact_sg(state, architecture);
      instance.state.C(0, 0) += Rational(1, 16);
      break;
    case 3:
      instance.origin = "random SG";
      for (Eigen::Index k = 0; k < instance.state.C.size(); ++k) instance.state.C.data()[k] = random.gaussian(grid);
      for (Eigen::Index k = 0; k < instance.state.D.size(); ++k) instance.state.D.data()[k] = random.gaussian(grid);
      for (Eigen::Index k = 0; k < instance.state.c.size(); ++k) instance.state.c(k) = random.gaussian(grid);
      break;
    default: {
      instance.origin = "after 20 double-precision steps of schedule-consistent";
      DeepLinearConfig config = exact_config(instance, GateSchedule::consistent);
      config.arithmetic = ArithmeticSpec{ArithmeticKind::double_precision, 0};
      config.norm = JacobianNorm::spectral;
      config.eps = Rational(1, 64);
      config.nu = Rational(1, 64);
      config.steps = 20;
      config.record_step = [](std::int64_t) { return false; };
      const DeepLinearRun run = run_deep_linear<double>(instance.problem, state, config);
      if (!run.final_state.W.empty()) instance.state = run.final_state;
      break;
    }
  }
  return instance;
}

Corollary1Instance shrink_corollary1_instance(const Corollary1Instance& instance,
                                              const std::function<bool(const Corollary1Instance&)>& fails) {
  Corollary1Instance current = instance;
  for (bool changed = true; changed;) {
    changed = false;
    for (Eigen::Index s = 0; s < current.problem.samples() && current.problem.samples() > 1; ++s) {
      const Corollary1Instance candidate = remove_sample(current, s);
      if (fails(candidate)) {
        current = candidate;
        changed = true;
        break;
      }
    }
    for (std::size_t layer = 0; layer < current.architecture.widths.size() && !changed; ++layer) {
      for (Eigen::Index unit = 0; unit < current.architecture.widths[layer] && current.architecture.widths[layer] > 1; ++unit) {
        const Corollary1Instance candidate = remove_unit(current, layer, unit);
        if (fails(candidate)) {
          current = candidate;
          changed = true;
          break;
        }
      }
    }
  }
  return current;
}

const std::vector<std::string>& corollary1_claim_ids() {
  static const std::vector<std::string> ids{linear_sg_exact_id, gate_iff_consistent_id, gate_iff_literal_id, convergence_id};
  return ids;
}

void check_corollary1_claim_id(const std::string& id) {
  const auto& ids = corollary1_claim_ids();
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return;
  std::string known;
  for (const std::string& name : ids) known += (known.empty() ? "" : ", ") + name;
  throw InputError("unknown claim '" + id + "' for --proof corollary1: use one of " + known);
}

namespace {


// Runs one instance check over every generated instance; keeps the worst margin and shrinks the
// first refutation.
Corollary1Audit audit_check(const std::string& id, const std::string& statement, const Corollary1AuditOptions& options,
                            const std::function<Corollary1Verdict(const Corollary1Instance&)>& check) {
  Corollary1Audit audit;
  std::vector<ClaimResult> results;
  double worst = std::numeric_limits<double>::infinity();
  for (std::int64_t index = 0; index < options.instances; ++index) {
    const Corollary1Instance instance = generate_corollary1_instance(options.seed, index);
    const Corollary1Verdict verdict = check(instance);
    worst = std::min(worst, verdict.margin);
    results.push_back(single_instance_claim(id, statement, verdict));
    if (verdict.verdict == Verdict::refuted && !audit.counterexample) {
      const auto fails = [&check](const Corollary1Instance& candidate) { return check(candidate).verdict == Verdict::refuted; };
      audit.counterexample = shrink_corollary1_instance(instance, fails);
      results.back() = single_instance_claim(id, statement, check(*audit.counterexample));
      results.back().detail = fmt::format("instance {} ({}), shrunk to {}, S = {}: {}", index, instance.origin,
                                          audit.counterexample->architecture.describe(), audit.counterexample->problem.samples(),
                                          results.back().detail);
    }
  }
  audit.result = combine_results(results);
  audit.result.worst_value = worst;
  if (audit.result.verdict == Verdict::confirmed) {
    audit.result.detail = fmt::format("held exactly on all {} generated instances (depth 1-3, widths 1-3, S 1-6, five kinds of state)",
                                      options.instances);
  }
  return audit;
}

}  // namespace

std::vector<Corollary1Audit> audit_corollary1(const Corollary1AuditOptions& options) {
  std::vector<Corollary1Audit> audits;
  const auto wanted = [&options](const std::string& id) { return options.claim.empty() || options.claim == id; };
  if (wanted(linear_sg_exact_id)) {
    audits.push_back(audit_check(linear_sg_exact_id, "dL/dh_j is affine in (h_j, y), so a linear SG equals it at every sample", options,
                                 [](const Corollary1Instance& instance) { return check_linear_sg_exact(instance); }));
  }
  for (const GateSchedule schedule : {GateSchedule::consistent, GateSchedule::literal}) {
    const std::string id = schedule == GateSchedule::consistent ? gate_iff_consistent_id : gate_iff_literal_id;
    if (!wanted(id)) continue;
    audits.push_back(audit_check(id,
                                 "Under " + to_string(schedule) + ", theta_<h moves exactly when ||e|| K < 1/3 ||dL/dtheta_<h|| (K = Frobenius norm)",
                                 options, [schedule](const Corollary1Instance& instance) { return check_gate_iff(instance, schedule); }));
  }
  if (wanted(convergence_id)) {
    // Three seeded realizable instances, each in double and in MPFR.
    std::vector<ClaimResult> results;
    for (std::uint64_t k = 0; k < 3; ++k) {
      DeepLinearConfig config;
      config.architecture.widths = {3, 3, 3, 1};
      config.architecture.sg_layer = 1;
      const DeepLinearProblem problem = make_deep_linear_problem(3, 1, 20, options.seed + k);
      const DeepLinearState<Rational> start = make_deep_linear_start(config.architecture, options.seed + k);
      config.eps = Rational(1, 200);
      config.nu = Rational(1, 100);
      config.steps = options.convergence_steps;
      config.record_step = [](std::int64_t) { return false; };
      for (const ArithmeticSpec arithmetic : {ArithmeticSpec{ArithmeticKind::double_precision, 0}, ArithmeticSpec{ArithmeticKind::mpfr, options.mpfr_bits}}) {
        config.arithmetic = arithmetic;
        config.synthetic = true;
        const DeepLinearRun run = run_deep_linear(problem, start, config);
        config.synthetic = false;
        const DeepLinearRun baseline = run_deep_linear(problem, start, config);
        results.push_back(decide_convergence(run, &baseline));
        results.back().detail = problem.source + ", " + config.architecture.describe() + ": " + results.back().detail;
      }
    }
    Corollary1Audit audit;
    audit.result = combine_results(results);
    if (audit.result.verdict == Verdict::confirmed) audit.result.detail = "all 6 runs within tolerance; first: " + results.front().detail;
    audits.push_back(audit);
  }
  return audits;
}

}  // namespace sgverify::proofs
