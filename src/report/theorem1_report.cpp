#include "report/theorem1_report.hpp"

#include "io/atomic_file.hpp"
#include "numeric/rational.hpp"
#include "report/markdown.hpp"
#include "report/plot.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ostream>
#include <memory>
#include <set>

namespace sgverify {

namespace {

// Number of log-spaced recorded steps.
constexpr int log_spaced_points = 200;

std::string claims_table_markdown(const std::vector<ClaimResult>& claims) {
  std::string text = "| claim | verdict | level | instances | worst value / threshold | detail | counterexample |\n";
  text += "| --- | --- | --- | --- | --- | --- | --- |\n";
  // A trace lies in the folder of report.md, so the link is its file name, relative to the report.
  for (const ClaimResult& claim : claims) {
    text += fmt::format("| {} | **{}** | {} | {} | {:.3g} | {} | {} |\n", claim.id, to_string(claim.verdict), to_string(claim.evidence),
                        claim.instances, claim.worst_value, claim.detail,
                        claim.counterexample.empty() ? std::string("none")
                                                     : fmt::format("[{0}]({0})", std::filesystem::path(claim.counterexample).filename().string()));
  }
  return text;
}

PlotSpec convergence_plot(const Theorem1Run& run, const std::string& title) {
  PlotSpec spec;
  spec.title = title;
  spec.x_label = "step k";
  spec.y_label = "norm";
  spec.log_x = run.steps_done >= 100;
  Series weights{"||W - W*||", {}, {}}, omega{"||omega||", {}, {}}, xi{"||xi||", {}, {}}, f{"||f||", {}, {}};
  for (const RecordedStep& step : run.trajectory) {
    const double k = spec.log_x ? static_cast<double>(step.k + 1) : static_cast<double>(step.k);
    for (Series* series : {&weights, &omega, &xi, &f}) series->x.push_back(k);
    weights.y.push_back(step.weights_error);
    omega.y.push_back(step.omega_norm);
    xi.y.push_back(step.xi_norm);
    f.y.push_back(step.f_norm);
  }
  if (spec.log_x) spec.x_label = "step k + 1";
  spec.series = {weights, omega, xi, f};
  return spec;
}

}  // namespace

bool is_one_two_five_step(std::int64_t k) {
  if (k <= 2) return true;
  std::int64_t decade = 1;
  while (decade * 10 <= k) decade *= 10;
  return k == decade || k == 2 * decade || k == 5 * decade;
}

RecordSchedule::RecordSchedule(std::int64_t steps) : every_(std::max<std::int64_t>(1, steps / 1000)) {
  const double log_step = std::log(static_cast<double>(std::max<std::int64_t>(steps, 2))) / log_spaced_points;
  for (int j = 0; j <= log_spaced_points; ++j) log_spaced_.insert(static_cast<std::int64_t>(std::ceil(std::exp(j * log_step))));
}

bool RecordSchedule::contains(std::int64_t k) const {
  return k <= 100 || k % every_ == 0 || is_one_two_five_step(k) || log_spaced_.count(k) > 0;
}

std::int64_t RecordSchedule::next_after(std::int64_t k) const {
  if (k < 100) return k + 1;
  std::int64_t next = (k / every_ + 1) * every_;
  // The 1-2-5 steps above 100: 200, 500, 1000, 2000, ...
  for (std::int64_t decade = 100; decade <= next; decade *= 10) {
    for (const std::int64_t multiple : {1, 2, 5}) {
      if (multiple * decade > k) next = std::min(next, multiple * decade);
    }
  }
  const auto log_spaced = log_spaced_.upper_bound(k);
  if (log_spaced != log_spaced_.end()) next = std::min(next, *log_spaced);
  return next;
}

std::function<bool(std::int64_t)> default_record_steps(std::int64_t steps) {
  auto schedule = std::make_shared<const RecordSchedule>(steps);
  return [schedule](std::int64_t k) { return schedule->contains(k); };
}

std::function<void(std::int64_t)> step_progress(std::ostream& log, std::int64_t steps) {
  const auto started = std::chrono::steady_clock::now();
  auto last_print = std::make_shared<std::chrono::steady_clock::time_point>(started);
  return [&log, steps, started, last_print](std::int64_t k) {
    const auto now = std::chrono::steady_clock::now();
    if (now - *last_print < std::chrono::seconds(2)) return;
    *last_print = now;
    const double elapsed = std::chrono::duration<double>(now - started).count();
    const double left = elapsed * static_cast<double>(steps - k) / static_cast<double>(k);
    log << fmt::format("  step {} of {} ({:.0f}%), about {:.0f} s left\n", k, steps, 100.0 * static_cast<double>(k) / static_cast<double>(steps), left);
  };
}

std::string terminal_table(const Theorem1Run& run) {
  std::string text = run.evidence == Evidence::certified ? "norms are upper bounds of their enclosures; the loss is a midpoint\n" : "";
  text += fmt::format("{:>9}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}\n", "k", "loss", "||W-W*||", "||omega||", "||xi||", "||f||");
  for (std::size_t i = 0; i < run.trajectory.size(); ++i) {
    const RecordedStep& step = run.trajectory[i];
    if (!is_one_two_five_step(step.k) && i + 1 != run.trajectory.size()) continue;
    text += fmt::format("{:>9}  {:>12.5e}  {:>12.5e}  {:>12.5e}  {:>12.5e}  {:>12.5e}\n", step.k, step.loss, step.weights_error,
                        step.omega_norm, step.xi_norm, step.f_norm);
  }
  return text;
}

std::string trajectory_csv(const Theorem1Run& run) {
  std::string text = "k,loss,weights_error,omega_norm,xi_norm,f_norm,mu,nu,q,max_width\n";
  for (const RecordedStep& step : run.trajectory) {
    text += fmt::format("{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", step.k, step.loss,
                        step.weights_error, step.omega_norm, step.xi_norm, step.f_norm, step.mu, step.nu, step.q, step.max_width);
  }
  return text;
}

nlohmann::json summary_json(const Theorem1Outcome& outcome) {
  const Dataset& data = outcome.problem->data;
  nlohmann::json claims = nlohmann::json::array();
  for (const ClaimResult& claim : outcome.claims) claims.push_back(to_json(claim));
  return {{"command", "theorem1"},
          {"seed", outcome.parameters.seed},
          {"instance", {{"source", data.source}, {"d", data.dim()}, {"S", data.samples()}, {"checksum", data.checksum()}}},
          {"parameters", theorem1_parameters_to_json(outcome.config, outcome.parameters)},
          {"steps_done", outcome.run.steps_done},
          {"stop_reason", outcome.run.stop_reason},
          {"seconds", outcome.run.seconds},
          {"claims", claims}};
}

void write_theorem1_outputs(const std::filesystem::path& folder, const Theorem1Outcome& outcome) {
  create_output_folder(folder);
  const Theorem1Run& run = outcome.run;
  const Theorem1Problem& problem = *outcome.problem;
  const Dataset& data = problem.data;

  write_file_atomically(folder / "trajectory.csv", trajectory_csv(run));
  write_file_atomically(folder / "trace.jsonl",
                        theorem1_trace_text(problem, outcome.config, outcome.parameters, outcome.W_star, run));
  write_file_atomically(folder / "summary.json", summary_json(outcome).dump(2) + "\n");
  plot_svg(convergence_plot(run, fmt::format("Theorem 1, {} ({})", data.source, run.arithmetic)), folder / "convergence.svg");
  const bool interval = outcome.config.arithmetic.kind == ArithmeticKind::interval;
  if (interval) {
    PlotSpec widths;
    widths.title = "Largest enclosure width of W and omega (" + run.arithmetic + ")";
    widths.x_label = "step k";
    widths.y_label = "width";
    Series series{"max width", {}, {}};
    for (const RecordedStep& step : run.trajectory) {
      series.x.push_back(static_cast<double>(step.k));
      series.y.push_back(step.max_width);
    }
    widths.series = {series};
    plot_svg(widths, folder / "widths.svg");
  }

  const SpectralBounds& spectrum = problem.spectrum;
  std::string text = "# Theorem 1 run\n\n";
  text += "Linear regression trained through a linear synthetic-gradient module, as in Theorem 1 of Czarnecki et al., "
          "\"Understanding Synthetic Gradients and Decoupled Neural Interfaces\" (ICML 2017, arXiv:1703.00522).\n\n";
  text += "Command: " + markdown_code(outcome.command_line) + "\n\n";
  text += "## Instance\n\n";
  text += fmt::format("- data: {}\n- d = {}, S = {}, checksum `{}`\n- targets: {}\n- every value is on the dyadic grid 2^-{}\n\n",
                      data.source, data.dim(), data.samples(), data.checksum(), data.target_encoding, data.grid_bits);
  text += "## Parameters\n\n";
  text += fmt::format("- arithmetic: {} (evidence level {}), {} path\n- mu: {}\n- nu: {}\n- start: {} (seed {})\n- steps: {} requested, {} done{}\n\n",
                      run.arithmetic, to_string(run.evidence), to_string(outcome.config.path), outcome.config.mu.name(), outcome.config.nu.name(),
                      outcome.parameters.start_kind, outcome.parameters.seed, run.steps_requested, run.steps_done,
                      run.stop_reason.empty() ? std::string() : " (" + run.stop_reason + ")");
  text += fmt::format("Spectral constants of B: b ≥ {:.9g} and ||B|| ≤ {:.9g} ({}; estimates {:.9g} and {:.9g}; rank of G {}). {}\n\n",
                      rational_to_double(spectrum.b_lower), rational_to_double(spectrum.norm_upper),
                      spectrum.certified ? "both proved by exact positive-definiteness tests" : "not proved",
                      spectrum.b_estimate, spectrum.norm_estimate, spectrum.rank, spectrum.note);
  text += fmt::format("W* is the least-squares solution nearest to W_0, from {}; it differs from the exact normal-equation "
                      "solution by {:.3g}.\n\n",
                      interval || outcome.config.arithmetic.kind == ArithmeticKind::exact
                          ? "exact normal equations"
                          : "a complete orthogonal decomposition of X̄ᵀ in " + run.arithmetic,
                      outcome.W_star_route_difference);
  text += "## Claims\n\n" + claims_table_markdown(outcome.claims) + "\n";
  text += fmt::format("Tolerances of the finite-horizon decision: ||W - W*|| ≤ {} · max(1, ||W*||) = {:.3g}, ||omega|| ≤ {:.3g}, "
                      "||xi|| ≤ {} · max(1, ||y||) = {:.3g}. A claim within tolerance at the last step is `confirmed` for that "
                      "horizon only; a limit is never proved by a finite run.\n\n",
                      rational_to_string(outcome.config.tolerances.weights_relative), run.weights_threshold, run.omega_threshold,
                      rational_to_string(outcome.config.tolerances.xi_relative), run.xi_threshold);
  text += "## Convergence\n\n![convergence](convergence.svg)\n\n```\n" + terminal_table(run) + "```\n\n";
  if (interval) {
    text += "## Enclosure widths\n\nLargest width of the intervals of W and omega; every width is rigorous: the exact "
            "trajectory lies inside.\n\n![widths](widths.svg)\n\n| k | max width |\n| --- | --- |\n";
    for (const RecordedStep& step : run.trajectory) {
      if (!is_one_two_five_step(step.k) && &step != &run.trajectory.back()) continue;
      // Widths below 1e-300 underflow the double they are reported in.
      text += step.max_width < 1e-300 ? fmt::format("| {} | < 1e-300 |\n", step.k) : fmt::format("| {} | {:.3e} |\n", step.k, step.max_width);
    }
    text += "\n";
  }
  text += "Files: [trajectory.csv](trajectory.csv), [trace.jsonl](trace.jsonl), [summary.json](summary.json).\n";
  write_file_atomically(folder / "report.md", text);
}

}  // namespace sgverify
