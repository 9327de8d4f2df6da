// sgverify corollary1: the deep linear model of Corollary 1 trained through a linear SG and by
// backpropagation, with the claims C1.* decided on the run and its report.
#include "cli/commands.hpp"
#include "io/atomic_file.hpp"
#include "io/corollary1_trace.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"
#include "proofs/corollary1.hpp"
#include "report/plot.hpp"
#include "report/markdown.hpp"

#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <iostream>

namespace sgverify {

namespace {

// Size limits: beyond them one step of the run takes seconds.
constexpr std::int64_t max_depth = 1000;
constexpr std::int64_t max_width = 4096;
constexpr std::int64_t max_samples = 10'000'000;
constexpr std::int64_t max_steps = 1'000'000'000;

// The smallest power of two 2^-k with 2^-k ≤ 1/bound, as an exact rational.
Rational power_of_two_below_inverse(double bound) {
  const int exponent = static_cast<int>(std::ceil(std::log2(std::max(bound, 1.0))));
  return Rational(1, boost::multiprecision::mpz_int(1) << exponent);
}

double largest_eigenvalue(const Matrix<Rational>& symmetric) {
  const Matrix<double> values = symmetric.unaryExpr([](const Rational& v) { return rational_to_double(v); });
  return Eigen::SelfAdjointEigenSolver<Matrix<double>>(values, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
}

// Returns ε = 2^-k ≤ 1/(2 Σ_i ‖W_{n+1}⋯W_{i+1}‖²‖W_{i-1}⋯W_1‖²λmax(Σ_xx)), products of operator norms
// at the start bounding the curvature of L, and ν = 2^-k ≤ 1/(2λ) with λ bounding the moments of [h_j; y; 1].
// NOTE: for deep networks the product bound is loose by orders of magnitude (depth 10, width 32 gives
// ε = 2^-30), so such runs barely move in 10^4 steps; pass --eps to choose the rate.
std::pair<Rational, Rational> automatic_rates(const DeepLinearProblem& problem, const DeepLinearArchitecture& architecture,
                                              const DeepLinearState<Rational>& start) {
  const double data_scale = largest_eigenvalue(problem.moments.topLeftCorner(architecture.input_dim(), architecture.input_dim()));
  std::vector<Matrix<double>> W;
  for (const Matrix<Rational>& weights : start.W) W.push_back(weights.unaryExpr([](const Rational& v) { return rational_to_double(v); }));
  double curvature = 0;
  const int layers = static_cast<int>(W.size());
  for (int i = 0; i < layers; ++i) {
    double above = 1, below = 1;
    for (int k = i + 1; k < layers; ++k) above *= W[static_cast<std::size_t>(k)].operatorNorm();
    for (int k = 0; k < i; ++k) below *= W[static_cast<std::size_t>(k)].operatorNorm();
    curvature += above * above * below * below * data_scale;
  }
  Matrix<double> M_j = Matrix<double>::Identity(architecture.input_dim(), architecture.input_dim());
  for (int i = 0; i < architecture.sg_layer; ++i) M_j = W[static_cast<std::size_t>(i)] * M_j;
  const double sg_scale = M_j.operatorNorm() * M_j.operatorNorm() * data_scale +
                          largest_eigenvalue(problem.moments.bottomRightCorner(architecture.output_dim() + 1, architecture.output_dim() + 1));
  return {power_of_two_below_inverse(2 * curvature), power_of_two_below_inverse(2 * sg_scale)};
}

Rational parse_rate(const std::string& text, const std::string& flag) {
  const Rational value = parse_rational(text, flag);
  if (value <= 0) throw InputError("invalid " + flag + " '" + text + "': use auto or a positive rate such as 1/1000");
  return value;
}

std::string run_table(const DeepLinearRun& run, const DeepLinearRun& baseline) {
  std::string text = fmt::format("{:>9}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}  {:>5}\n", "k", "||grad L||", "backprop", "||e||*K",
                                 "||g_<h||/3", "mu", "gate");
  for (std::size_t i = 0; i < run.trajectory.size(); ++i) {
    const DeepLinearRecord& row = run.trajectory[i];
    if (!is_one_two_five_step(row.k) && i + 1 != run.trajectory.size()) continue;
    const double backprop = i < baseline.trajectory.size() ? baseline.trajectory[i].gradient_norm : NAN;
    text += fmt::format("{:>9}  {:>12.5e}  {:>12.5e}  {:>12.5e}  {:>12.5e}  {:>12.5e}  {:>5}\n", row.k, row.gradient_norm, backprop,
                        row.gate_left, row.gate_right, row.mu, row.gate_open == 1 ? "open" : row.gate_open == 0 ? "shut" : "?");
  }
  return text;
}

std::string trajectory_csv(const DeepLinearRun& run, const DeepLinearRun& baseline) {
  std::string text = "k,loss,gradient_norm,backprop_loss,backprop_gradient_norm,lower_gradient_norm,e_norm,jacobian_norm,"
                     "gate_left,gate_right,gate_open,lower_moved,mu,power_iterations\n";
  for (std::size_t i = 0; i < run.trajectory.size(); ++i) {
    const DeepLinearRecord& row = run.trajectory[i];
    const bool has_baseline = i < baseline.trajectory.size() && baseline.trajectory[i].k == row.k;
    text += fmt::format("{},{:.17g},{:.17g},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{},{},{:.17g},{}\n", row.k, row.loss,
                        row.gradient_norm, has_baseline ? fmt::format("{:.17g}", baseline.trajectory[i].loss) : "",
                        has_baseline ? fmt::format("{:.17g}", baseline.trajectory[i].gradient_norm) : "", row.lower_gradient_norm,
                        row.e_norm, row.jacobian_norm, row.gate_left, row.gate_right, row.gate_open, row.lower_moved, row.mu,
                        row.power_iterations);
  }
  return text;
}

Series series_of(const std::string& title, const std::vector<DeepLinearRecord>& rows, double DeepLinearRecord::*value) {
  Series series{title, {}, {}};
  for (const DeepLinearRecord& row : rows) {
    series.x.push_back(static_cast<double>(row.k));
    series.y.push_back(row.*value);
  }
  return series;
}

void write_plots(const std::filesystem::path& folder, const DeepLinearRun& run, const DeepLinearRun& baseline) {
  plot_svg(PlotSpec{"||grad_theta L|| over all layers", "iteration k", "norm", false, true,
                    {series_of("with the SG", run.trajectory, &DeepLinearRecord::gradient_norm),
                     series_of("backpropagation", baseline.trajectory, &DeepLinearRecord::gradient_norm)}},
           folder / "gradient.svg");
  plot_svg(PlotSpec{"Gate: ||e||*K against 1/3 ||dL/dtheta_<h||", "iteration k", "value", false, true,
                    {series_of("||e|| * ||dh/dtheta_<h||", run.trajectory, &DeepLinearRecord::gate_left),
                     series_of("1/3 ||dL/dtheta_<h||", run.trajectory, &DeepLinearRecord::gate_right)}},
           folder / "gate.svg");
  Series open{"gate open (1) or closed (0)", {}, {}};
  for (const DeepLinearRecord& row : run.trajectory) {
    open.x.push_back(static_cast<double>(row.k));
    open.y.push_back(row.gate_open);
  }
  plot_svg(PlotSpec{"Gate open per iteration", "iteration k", "open", false, false, {open}}, folder / "gate_open.svg");
}

std::string norm_description(const DeepLinearConfig& config, const DeepLinearRun& run) {
  if (config.arithmetic.kind == ArithmeticKind::exact || config.norm == JacobianNorm::frobenius) {
    return "the Frobenius norm of the batch Jacobian dh_j/dtheta_<h, computed exactly as sum_i ||W_j...W_{i+1}||_F^2 ||H_{i-1}||_F^2 "
           "(an upper bound of the spectral norm, so the gate stays sufficient)";
  }
  return fmt::format("the spectral norm of the batch Jacobian dh_j/dtheta_<h, by power iteration on JJ^T reduced to d_j x d_0 matrices "
                     "through the data moments, warm-started from the previous step, stopping when the Rayleigh quotient changes by "
                     "at most {:.0e} relative or after {} applications ({} of {} steps hit that cap). The Rayleigh quotient is a lower "
                     "bound of ||J||^2",
                     config.power_tolerance, config.power_max_iterations, run.unconverged_power_steps, run.steps_done);
}

}  // namespace

void add_corollary1_options(CLI::App& command, Corollary1Options& options) {
  add_integer_option(command, "--depth", options.depth, "Number n of hidden layers", 1, max_depth);
  add_integer_option(command, "--width", options.width, "Width of every hidden layer (and of the input unless --input-dim)", 1, max_width);
  add_integer_option(command, "--input-dim", options.input_dim, "Input dimension d_0 (0: the width)", 0, max_width);
  add_integer_option(command, "--output-dim", options.output_dim, "Output dimension d_{n+1}", 1, max_width);
  // Checked against the largest --depth here, and against the given --depth in run_corollary1_command.
  add_integer_option(command, "--sg-layer", options.sg_layer, "Hidden layer j after which the SG sits, 1..depth (0: depth/2 rounded up)",
                     0, max_depth);
  add_integer_option(command, "--samples", options.samples, "Number of samples S", 1, max_samples);
  command.add_option("--schedule", options.schedule, "Reading of the gated rate: consistent or literal")->capture_default_str();
  command.add_option("--arith", options.arithmetic, "Arithmetic: double, mpfr:BITS or exact")->capture_default_str();
  add_integer_option(command, "--steps", options.steps, "Number of iterations", 0, max_steps);
  command.add_option("--eps", options.eps, "Rate eps of the upper layers and of the gate, or auto (a power of two below 1/(2 x curvature bound))")
      ->capture_default_str();
  command.add_option("--nu", options.nu, "Rate nu of the SG, or auto (a power of two below 1/(2 x the largest eigenvalue of the SG inputs' moments))")
      ->capture_default_str();
  command.add_option("--seed", options.seed, "Seed of the data and of the initial weights")->transform(seed_range)->capture_default_str();
  command.add_option("--out", options.out, "Output folder")->check(output_folder_path(options.out))->capture_default_str();
  command.add_flag("--json", options.json, "Print summary.json on standard output instead of the table");
}

Corollary1Execution execute_corollary1(const Corollary1Options& options, const OutputFolder& folder, std::ostream& log) {
  // Validate every value before computing or writing anything.
  DeepLinearConfig config;
  config.arithmetic = parse_arithmetic(options.arithmetic);
  if (config.arithmetic.kind != ArithmeticKind::double_precision && config.arithmetic.kind != ArithmeticKind::mpfr &&
      config.arithmetic.kind != ArithmeticKind::exact) {
    throw InputError("invalid --arith '" + options.arithmetic + "' for corollary1: use double, mpfr:BITS or exact");
  }
  config.schedule = parse_gate_schedule(options.schedule);
  config.norm = config.arithmetic.kind == ArithmeticKind::exact ? JacobianNorm::frobenius : JacobianNorm::spectral;
  check_integer_flag("--depth", options.depth, 1, max_depth);
  check_integer_flag("--width", options.width, 1, max_width);
  check_integer_flag("--output-dim", options.output_dim, 1, max_width);
  check_integer_flag("--input-dim", options.input_dim, 0, max_width);
  check_integer_flag("--samples", options.samples, 1, max_samples);
  check_integer_flag("--steps", options.steps, 0, max_steps);
  const Eigen::Index input_dim = options.input_dim == 0 ? options.width : options.input_dim;
  config.architecture.widths.push_back(input_dim);
  for (std::int64_t i = 0; i < options.depth; ++i) config.architecture.widths.push_back(options.width);
  config.architecture.widths.push_back(options.output_dim);
  // Checked before the cast to int, which would wrap a value such as 4294967297 into range.
  const auto default_sg_layer = static_cast<int>((options.depth + 1) / 2);
  if (options.sg_layer < 0 || options.sg_layer > options.depth) {
    throw InputError(integer_flag_message<std::int64_t>("--sg-layer", std::to_string(options.sg_layer), 0, options.depth) +
                     fmt::format(", the --depth. 0 puts the SG after hidden layer {}, half the depth rounded up", default_sg_layer));
  }
  config.architecture.sg_layer = options.sg_layer == 0 ? default_sg_layer : static_cast<int>(options.sg_layer);
  check_architecture(config.architecture);
  // The exact checks of the claims run after the training run, so their size is checked first.
  const double work = proofs::exact_check_work(config.architecture, options.samples);
  if (work > proofs::max_exact_check_work) {
    throw InputError(fmt::format("invalid sizes --depth {} --width {} --input-dim {} --output-dim {} --samples {}: the exact checks ({}, S = {}) "
                                 "need about {:.1e} multiplications, more than the {:.0e} that sgverify runs; use smaller widths or fewer "
                                 "samples",
                                 options.depth, options.width, options.input_dim, options.output_dim, options.samples,
                                 config.architecture.describe(), options.samples, work, proofs::max_exact_check_work));
  }
  const std::optional<Rational> eps = options.eps == "auto" ? std::nullopt : std::optional(parse_rate(options.eps, "--eps"));
  const std::optional<Rational> nu = options.nu == "auto" ? std::nullopt : std::optional(parse_rate(options.nu, "--nu"));
  config.steps = options.steps;
  config.record_step = default_record_steps(config.steps);

  log << fmt::format("sgverify corollary1: seed {}\n", options.seed);
  const DeepLinearProblem problem = make_deep_linear_problem(input_dim, options.output_dim, options.samples, options.seed);
  const DeepLinearState<Rational> start = make_deep_linear_start(config.architecture, options.seed);
  const auto [auto_eps, auto_nu] = automatic_rates(problem, config.architecture, start);
  config.eps = eps.value_or(auto_eps);
  config.nu = nu.value_or(auto_nu);

  const DeepLinearRun run = run_deep_linear(problem, start, config);
  DeepLinearConfig baseline_config = config;
  baseline_config.synthetic = false;
  const DeepLinearRun baseline = run_deep_linear(problem, start, baseline_config);

  // Exact checks at the start, where every value is on the grid 2^-16, and at the state before the
  // first step in which the run's own arithmetic saw the gate and the movement disagree.
  const auto exact_started = std::chrono::steady_clock::now();
  create_output_folder(folder.write_to);
  Corollary1Execution execution;
  std::vector<ClaimResult>& claims = execution.claims;
  const auto instance_at = [&](const DeepLinearState<Rational>& state, const std::string& origin) {
    return proofs::Corollary1Instance{problem, config.architecture, state, config.eps, config.nu, origin};
  };
  const auto record = [&](const std::string& id, const std::string& statement, const proofs::Corollary1Verdict& verdict,
                          const proofs::Corollary1Instance& instance) {
    ClaimResult claim = single_instance_claim(id, statement, verdict);
    claim.detail = "at " + instance.origin + ": " + verdict.detail;
    if (verdict.verdict == Verdict::refuted) {
      const std::string name = "counterexample-" + id + ".jsonl";
      claim.counterexample = (folder.final / name).string();
      claim.replay = trace_replay_command(claim.counterexample);
      write_file_atomically(folder.write_to / name, corollary1_trace_text(instance, claim));
    }
    return claim;
  };
  const proofs::Corollary1Instance at_start = instance_at(start, "the start (step 0)");
  claims.push_back(record(proofs::linear_sg_exact_id, "dL/dh_j is affine in (h_j, y), so a linear SG equals it at every sample",
                          proofs::check_linear_sg_exact(at_start), at_start));
  const std::string gate_id = config.schedule == GateSchedule::consistent ? proofs::gate_iff_consistent_id : proofs::gate_iff_literal_id;
  const std::string gate_statement = "Under " + to_string(config.schedule) + ", theta_<h moves exactly when ||e|| K < 1/3 ||dL/dtheta_<h||";
  ClaimResult gate_claim = record(gate_id, gate_statement, proofs::check_gate_iff(at_start, config.schedule), at_start);
  if (gate_claim.verdict != Verdict::refuted && run.first_mismatch_step >= 0) {
    const proofs::Corollary1Instance at_mismatch = instance_at(run.first_mismatch_state, fmt::format("step {}", run.first_mismatch_step));
    gate_claim = record(gate_id, gate_statement, proofs::check_gate_iff(at_mismatch, config.schedule), at_mismatch);
  }
  gate_claim.detail += fmt::format(" (exact, Frobenius K). In the {} run the gate and the movement disagreed in {} of {} steps", run.arithmetic,
                                   run.gate_mismatches, run.steps_done);
  claims.push_back(gate_claim);
  if (config.schedule == GateSchedule::consistent) {
    claims.push_back(proofs::decide_convergence(run, &baseline));
  }
  const double exact_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - exact_started).count();

  // Views: summary.json, trajectory.csv, plots and report.md.
  nlohmann::json claim_list = nlohmann::json::array();
  for (const ClaimResult& claim : claims) claim_list.push_back(to_json(claim));
  const std::string norm_text = norm_description(config, run);
  execution.summary = {{"command", "corollary1"},
                               {"seed", options.seed},
                               {"arithmetic", run.arithmetic},
                               {"schedule", to_string(config.schedule)},
                               {"architecture", config.architecture.describe()},
                               {"samples", options.samples},
                               {"eps", rational_to_string(config.eps)},
                               {"nu", rational_to_string(config.nu)},
                               {"steps", run.steps_done},
                               {"jacobian_norm", norm_text},
                               {"seconds", {{"sg_run", run.seconds}, {"backprop_run", baseline.seconds}, {"exact_checks", exact_seconds}}},
                               {"claims", claim_list}};
  write_file_atomically(folder.write_to / "summary.json", execution.summary.dump(2) + "\n");
  write_file_atomically(folder.write_to / "trajectory.csv", trajectory_csv(run, baseline));
  write_plots(folder.write_to, run, baseline);

  std::string report = "# Corollary 1: deep linear network with a linear synthetic gradient\n\n";
  report += "Corollary 1 of Czarnecki et al., \"Understanding Synthetic Gradients and Decoupled Neural Interfaces\" (ICML 2017, "
            "arXiv:1703.00522): a deep linear network with MSE loss, a linear SG C h_j + D y + c after hidden layer j, the lower "
            "layers trained on the SG pushed through dh_j/dtheta_<h with the gated rate mu, the upper layers on the true gradient with "
            "rate eps, the SG on its MSE with rate nu; the baseline is plain backpropagation with rate eps.\n\n";
  report += fmt::format("- data: {} (checksum {})\n- {}\n- arithmetic {}, {}, eps = {}, nu = {}, {} steps ({:.2f} s with the SG, "
                        "{:.2f} s backpropagation, {:.2f} s exact checks)\n- Jacobian norm K: {}.\n\n",
                        problem.source, problem.checksum(), config.architecture.describe(), run.arithmetic, to_string(config.schedule),
                        rational_to_string(config.eps), rational_to_string(config.nu), run.steps_done, run.seconds, baseline.seconds,
                        exact_seconds, norm_text);
  if (!run.stop_reason.empty()) report += run.stop_reason + "\n\n";
  report += "| claim | verdict | level | detail |\n| --- | --- | --- | --- |\n";
  for (const ClaimResult& claim : claims) {
    report += fmt::format("| {} | **{}** | {} | {}{} |\n", claim.id, to_string(claim.verdict), to_string(claim.evidence), claim.detail,
                          claim.replay.empty() ? "" : " Replay: " + markdown_code(claim.replay));
  }
  if (config.schedule == GateSchedule::literal) {
    report += "\nC1.convergence is stated for schedule-consistent only, so this run does not decide it.\n";
  }
  report += "\n![gradient norms](gradient.svg)\n\n![gate inequality](gate.svg)\n\n![gate open](gate_open.svg)\n\n"
            "The table shows steps 0, 1, 2, 5, 10, 20, ... and the last step; trajectory.csv holds every recorded step.\n\n```\n" +
            run_table(run, baseline) + "```\n";
  write_file_atomically(folder.write_to / "report.md", report);

  std::string& text = execution.terminal;
  text = fmt::format("Corollary 1: {}, {}, S = {}\n", config.architecture.describe(), problem.source, options.samples);
  text += fmt::format("arithmetic {}, {}, eps {}, nu {}, {} steps in {:.2f} s (backpropagation {:.2f} s)\n", run.arithmetic,
                      to_string(config.schedule), rational_to_string(config.eps), rational_to_string(config.nu), run.steps_done,
                      run.seconds, baseline.seconds);
  if (!run.stop_reason.empty()) text += run.stop_reason + "\n";
  text += run_table(run, baseline);
  for (const ClaimResult& claim : claims) {
    text += fmt::format("{:<24} {:<12} {:<10} {}\n", claim.id, to_string(claim.verdict), to_string(claim.evidence), claim.detail);
    if (!claim.replay.empty()) text += "  replay: " + claim.replay + "\n";
  }
  text += "report: " + (folder.final / "report.md").string() + "\n";
  return execution;
}

int run_corollary1_command(const Corollary1Options& options) {
  const Corollary1Execution execution = execute_corollary1(options, OutputFolder(options.out), std::cerr);
  std::cout << (options.json ? execution.summary.dump(2) + "\n" : execution.terminal);
  return exit_success;
}

}  // namespace sgverify
