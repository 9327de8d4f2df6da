// sgverify critic and sgverify critical-points: the counterexamples of appendices A and B of
// Czarnecki et al., "Understanding Synthetic Gradients and Decoupled Neural Interfaces"
// (ICML 2017), with Figure 6.
#include "cli/commands.hpp"
#include "data/rng.hpp"
#include "io/atomic_file.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"
#include "proofs/critic.hpp"
#include "proofs/critical_points.hpp"
#include "report/plot.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

namespace sgverify {

namespace {

// Limits of --instances and --starts, and of the sizes of a critic's data set and of a trajectory.
constexpr std::int64_t max_count = 100'000;
constexpr std::int64_t min_critic_samples = 2;
constexpr std::int64_t max_critic_samples = 1000;
constexpr std::int64_t max_critic_dim = 100;
constexpr std::int64_t max_critic_width = 100;
// Each exact step lengthens the values: 10^4 steps from one start took 21 s and 119 MB on a 2-core
// AMD EPYC machine, and 10^5 steps grew past 9 GB.
constexpr std::int64_t max_trajectory_steps = 10'000;

std::string claims_table(const std::vector<ClaimResult>& claims) {
  std::string text = "| claim | statement | verdict | level | instances | detail |\n| --- | --- | --- | --- | --- | --- |\n";
  for (const ClaimResult& claim : claims) {
    text += fmt::format("| {} | {} | **{}** | {} | {} | {} |\n", claim.id, claim.statement, to_string(claim.verdict),
                        to_string(claim.evidence), claim.instances, claim.detail);
  }
  return text;
}

void write_summary(const std::filesystem::path& folder, const std::string& command, std::uint64_t seed,
                   const std::vector<ClaimResult>& claims) {
  nlohmann::json list = nlohmann::json::array();
  for (const ClaimResult& claim : claims) list.push_back(to_json(claim));
  write_file_atomically(folder / "summary.json", nlohmann::json{{"command", command}, {"seed", seed}, {"claims", list}}.dump(2) + "\n");
}

void print_claims(const std::vector<ClaimResult>& claims, const std::filesystem::path& folder, std::uint64_t seed) {
  std::cout << fmt::format("seed {}\n", seed);
  for (const ClaimResult& claim : claims) {
    std::cout << fmt::format("{:<24} {:<12} {:<10} {}\n", claim.id, to_string(claim.verdict), to_string(claim.evidence), claim.detail);
  }
  std::cout << "report: " << (folder / "report.md").string() << "\n";
}

std::uint64_t instance_seed(std::uint64_t seed, std::int64_t index) { return seed * 1000003ULL + static_cast<std::uint64_t>(index); }

Rational random_rational(Random& random, int low, int high, int denominator) {
  return Rational(static_cast<long>(random.below(static_cast<std::uint64_t>((high - low) * denominator + 1))) + low * denominator,
                  denominator);
}

// Figure 6: left, L(a, b) over [−2, 2]² with the true minimum and the SG's critical line b = 0
// (dashed: the edges b = ±a of the full critical cone); right, one SG trajectory in the (b, c)
// plane ending on the critical set c = 0, |b| < |a|.
void draw_figure6(const std::filesystem::path& output, const proofs::SgTrajectory& trajectory) {
  const Rational a = trajectory.states.front().a;
  std::string body = "$path << EOD\n";
  for (const proofs::SgSystemState& state : trajectory.states) {
    body += fmt::format("{:.17g} {:.17g}\n", rational_to_double(state.b), rational_to_double(state.c));
  }
  body += "EOD\n";
  body += "set multiplot layout 1,2 title 'Figure 6: an SG creates critical points that L(a, b) = sum |a x_i + b| does not have' noenhanced\n";
  body += "set title 'L(a, b) on x = {-2, -1, 1, 2}' noenhanced\nset xlabel 'a'\nset ylabel 'b'\n";
  body += "set view map\nset pm3d map\nset isosamples 60, 60\nset palette rgb 33,13,10\nset xrange [-2:2]\nset yrange [-2:2]\n";
  body += "set arrow 1 from -2,0,0 to 2,0,0 nohead front linewidth 3 linecolor rgb 'white'\n";
  body += "set arrow 2 from -2,-2,0 to 2,2,0 nohead front dashtype 2 linewidth 1.5 linecolor rgb 'white'\n";
  body += "set arrow 3 from -2,2,0 to 2,-2,0 nohead front dashtype 2 linewidth 1.5 linecolor rgb 'white'\n";
  body += "set label 1 at 0,0,0 '' point pointtype 7 pointsize 2 linecolor rgb 'black' front\n";
  body += "set label 2 at 0.1,-0.25,0 'true minimum' front textcolor rgb 'white' noenhanced\n";
  body += "set label 3 at -1.9,0.15,0 'SG critical line b = 0' front textcolor rgb 'white' noenhanced\n";
  body += "splot abs(-2*x+y)+abs(-x+y)+abs(x+y)+abs(2*x+y) with pm3d notitle\n";
  body += "unset arrow\nunset label\nunset pm3d\nunset view\nset size noratio\nset autoscale\n";
  body += fmt::format("set title 'SG trajectory at a = {}: ends on c = 0, |b| < |a|' noenhanced\n", rational_to_double(a));
  body += "set xlabel 'b'\nset ylabel 'c (SG output)'\nset grid\nset key bottom right noenhanced\n";
  const double edge = std::abs(rational_to_double(a));
  double largest_b = edge;
  for (const proofs::SgSystemState& state : trajectory.states) largest_b = std::max(largest_b, std::abs(rational_to_double(state.b)));
  body += fmt::format("set xrange [{}:{}]\n", -1.1 * largest_b, 1.1 * largest_b);
  body += fmt::format("set arrow 4 from {0},0 to {1},0 nohead linewidth 4 linecolor rgb '#d62728'\n", -edge, edge);
  body += "plot $path using 1:2 with linespoints pointtype 7 pointsize 0.4 title 'SG trajectory (b_k, c_k)', "
          "$path using 1:2 every ::0::0 with points pointtype 9 pointsize 2 title 'start', "
          "NaN with lines linewidth 4 linecolor rgb '#d62728' title 'SG critical set'\n";
  body += "unset multiplot\n";
  render_gnuplot_svg(body, output, 1200, 520);
}

}  // namespace

void add_critic_options(CLI::App& command, CriticOptions& options) {
  add_integer_option(command, "--instances", options.instances, "Number of random data sets", 1, max_count);
  add_integer_option(command, "--samples", options.samples, "Samples per data set", min_critic_samples, max_critic_samples);
  add_integer_option(command, "--dim", options.dim, "Input dimension k of x", 1, max_critic_dim);
  add_integer_option(command, "--width", options.width, "Dimension m of the representation h = W x", 1, max_critic_width);
  command.add_option("--seed", options.seed, "Seed of the data sets")->transform(seed_range)->capture_default_str();
  command.add_option("--out", options.out, "Output folder")->check(output_folder_path(options.out))->capture_default_str();
  command.add_flag("--json", options.json, "Print summary.json on standard output instead of the table");
}

std::vector<ClaimResult> execute_critic(const CriticOptions& options, const OutputFolder& folder, std::ostream& log) {
  check_integer_flag("--instances", options.instances, 1, max_count);
  check_integer_flag("--samples", options.samples, min_critic_samples, max_critic_samples);
  check_integer_flag("--dim", options.dim, 1, max_critic_dim);
  check_integer_flag("--width", options.width, 1, max_critic_width);
  std::vector<ClaimResult> zero, opposite, random_direction;
  std::string rows = "| data set | critic | critic loss | worst cosine with dL/dh | training signal | smoothness error |\n"
                     "| --- | --- | --- | --- | --- | --- |\n";
  for (std::int64_t index = 0; index < options.instances; ++index) {
    const std::uint64_t seed = instance_seed(options.seed, index);
    const proofs::CriticProblem problem = proofs::make_critic_problem(options.samples, options.dim, options.width, seed);
    if (problem.radius_squared == 0) {
      log << fmt::format("  data set {}: two samples share a representation h, so no disjoint balls exist; skipped\n", index + 1);
      continue;
    }
    Random random(seed ^ 0x9e3779b97f4a7c15ULL);
    Matrix<Rational> direction(problem.H.rows(), problem.H.cols());
    for (Eigen::Index i = 0; i < direction.size(); ++i) direction(i) = random.gaussian(8);
    const proofs::CriticReport reports[] = {proofs::check_zero_gradient_critic(problem, seed),
                                            proofs::check_arbitrary_alignment(problem, -proofs::loss_gradients(problem), seed),
                                            proofs::check_arbitrary_alignment(problem, direction, seed)};
    const char* names[] = {"zero gradient", "gradient -dL/dh", "random gradient"};
    for (int k = 0; k < 3; ++k) {
      rows += fmt::format("| {} | {} | {:.3g} | {:.6f} | {:.3g} | {:.2g} |\n", index + 1, names[k], reports[k].critic_loss,
                          reports[k].worst_cosine, reports[k].training_signal, reports[k].smoothness_error);
    }
    zero.push_back(reports[0].claim);
    opposite.push_back(reports[1].claim);
    random_direction.push_back(reports[2].claim);
  }
  if (zero.empty()) throw InputError("every data set had coinciding representations; use more --width or another --seed");
  std::vector<ClaimResult> claims{combine_results(zero), combine_results(opposite)};
  ClaimResult& alignment = claims[1];
  const ClaimResult random_part = combine_results(random_direction);
  if (random_part.verdict == Verdict::refuted) alignment = random_part;
  else if (alignment.verdict == Verdict::confirmed && random_part.verdict == Verdict::confirmed) {
    alignment.instances += random_part.instances;
    alignment.detail += fmt::format("; also confirmed with random prescribed gradients on {} data sets", random_part.instances);
  }

  StagedFolder staged(folder.write_to, {});
  std::string text = "# Appendix A: critics do not align gradients\n\n";
  text += "A critic phi(h) fitted to the loss is used through its gradient as a synthetic gradient. Construction: "
          "phi(h) = sum_i (L_i(h_i) + g_i^T (h - h_i)) beta_i(h), with beta_i = 1 on the ball |h - h_i| <= r, 0 outside 2r, "
          "and the quintic smoothstep 6t^5 - 15t^4 + 10t^3 of t = (|h - h_i|^2 - r^2) / (3 r^2) in between (twice "
          "continuously differentiable); r^2 = min distance^2 / 25, so the balls of radius 2r are disjoint. All values are "
          "exact rationals.\n\n";
  text += fmt::format("Data: {} data sets of {} samples, x in R^{}, h = W x in R^{}, targets y standard Gaussian, L_i(h) = |h - y_i|^2 / 2; "
                      "seed {}.\n\n",
                      zero.size(), options.samples, options.dim, options.width, options.seed);
  text += claims_table(claims) + "\n## Per data set\n\n" + rows;
  text += "\nThe training signal is the norm of the gradient of the critic loss sum_i (phi(h_i) - L_i)^2 with respect to the "
          "critic's values: 0, because the loss is fitted exactly. The smoothness error compares the exact gradient with "
          "central differences at points between the balls (numerical).\n";
  write_file_atomically(staged.path() / "report.md", text);
  write_summary(staged.path(), "critic", options.seed, claims);
  staged.commit();
  return claims;
}

int run_critic_command(const CriticOptions& options) {
  const std::vector<ClaimResult> claims = execute_critic(options, OutputFolder(options.out), std::cerr);
  if (options.json) {
    std::cout << std::ifstream(std::filesystem::path(options.out) / "summary.json").rdbuf();
    return exit_success;
  }
  print_claims(claims, options.out, options.seed);
  return exit_success;
}

void add_critical_points_options(CLI::App& command, CriticalPointsOptions& options) {
  add_integer_option(command, "--starts", options.starts, "Number of random starts (a, b, c)", 1, max_count);
  add_integer_option(command, "--steps", options.steps, "Exact steps of each SG trajectory (the values lengthen each step: 10000 take about 20 s per start)", 1,
                     max_trajectory_steps);
  command.add_option("--mu", options.mu, "Model learning rate mu: a positive rational up to 1e6, such as 1/64 or 0.01")->capture_default_str();
  command.add_option("--nu", options.nu, "SG learning rate nu: a rational in (0, 1]")->capture_default_str();
  command.add_option("--seed", options.seed, "Seed of the starts and of the generalisation data sets")->transform(seed_range)->capture_default_str();
  command.add_option("--out", options.out, "Output folder")->check(output_folder_path(options.out))->capture_default_str();
  command.add_flag("--json", options.json, "Print summary.json on standard output instead of the table");
}

std::vector<ClaimResult> execute_critical_points(const CriticalPointsOptions& options, const OutputFolder& folder, std::ostream& log) {
  check_integer_flag("--starts", options.starts, 1, max_count);
  check_integer_flag("--steps", options.steps, 1, max_trajectory_steps);
  proofs::SgSystem system{proofs::paper_data(), parse_rational(options.mu, "--mu"), parse_rational(options.nu, "--nu")};
  // Above 10^6 the trajectories leave the range of the doubles that the plots are drawn from.
  if (system.mu <= 0 || system.mu > 1'000'000) {
    throw InputError("invalid --mu '" + shortened(options.mu) + "': use a positive rate up to 1e6, such as 1/64");
  }
  if (system.nu <= 0 || system.nu > 1) throw InputError("invalid --nu '" + shortened(options.nu) + "': use a rate in (0, 1] such as 1/8");

  Random random(options.seed);
  std::vector<Rational> slopes{Rational(0)};
  for (int i = 0; i < 50; ++i) slopes.push_back(random_rational(random, -4, 4, 64));
  std::vector<proofs::SgSystemState> starts;
  for (std::int64_t i = 0; i < options.starts; ++i) {
    starts.push_back({random_rational(random, -2, 2, 16), random_rational(random, -2, 2, 16), random_rational(random, -1, 1, 16)});
  }
  std::vector<ClaimResult> claims{proofs::check_sg_critical_line(system, slopes), proofs::check_not_critical(system.x),
                                  proofs::check_stall(system, starts, options.steps), proofs::check_critical_set(system)};

  // Generalisation: random data with Σx = 0 (the stall), and with Σx ≠ 0 (recorded as observed).
  std::vector<ClaimResult> zero_mean_stalls;
  std::string general_rows = "| data set | sum x | start a | end (a, b, c) | fixed point at step | final loss |\n| --- | --- | --- | --- | --- | --- |\n";
  for (int set = 0; set < 20; ++set) {
    std::vector<Rational> x;
    Rational sum(0);
    for (int i = 0; i < 6; ++i) {
      x.push_back(random_rational(random, -3, 3, 8));
      sum += x.back();
    }
    const bool zero_mean = set % 2 == 0;
    if (zero_mean) x.push_back(-sum);
    const proofs::SgSystem general{x, system.mu, system.nu};
    const proofs::SgSystemState start{random_rational(random, -2, 2, 16), random_rational(random, -2, 2, 16), Rational(0)};
    if (zero_mean) zero_mean_stalls.push_back(proofs::check_stall(general, {start}, options.steps));
    const proofs::SgTrajectory trajectory = proofs::run_sg_system(general, start, options.steps);
    const proofs::SgSystemState& end = trajectory.states.back();
    Rational total(0);
    for (const Rational& value : x) total += value;
    general_rows += fmt::format("| {} | {:.4g} | {:.4g} | ({:.4g}, {:.4g}, {:.3g}) | {} | {:.4g} |\n", set + 1, rational_to_double(total),
                                rational_to_double(start.a), rational_to_double(end.a), rational_to_double(end.b), rational_to_double(end.c),
                                trajectory.fixed_at >= 0 ? std::to_string(trajectory.fixed_at) : std::string("none"),
                                rational_to_double(proofs::absolute_loss(x, end.a, end.b)));
  }
  ClaimResult general = combine_results(zero_mean_stalls);
  general.id = "B.stall-zero-mean-data";
  general.statement = "On any data with sum x_i = 0 the SG system leaves a unchanged";
  if (general.verdict == Verdict::confirmed) {
    general.detail = fmt::format("a stays exactly at its start over {} exact steps on each of {} random data sets of 7 points with sum 0",
                                 options.steps, zero_mean_stalls.size());
  }
  claims.push_back(general);

  std::string trajectory_rows = "| start (a, b, c) | end (a, b, c) | fixed point at step | final loss | distance to (0, 0) |\n"
                                "| --- | --- | --- | --- | --- |\n";
  for (std::size_t i = 0; i < std::min<std::size_t>(starts.size(), 20); ++i) {
    const proofs::SgTrajectory trajectory = proofs::run_sg_system(system, starts[i], options.steps);
    const proofs::SgSystemState& end = trajectory.states.back();
    trajectory_rows += fmt::format("| ({:.4g}, {:.4g}, {:.4g}) | ({:.4g}, {:.4g}, {:.3g}) | {} | {:.4g} | {:.4g} |\n",
                                   rational_to_double(starts[i].a), rational_to_double(starts[i].b), rational_to_double(starts[i].c),
                                   rational_to_double(end.a), rational_to_double(end.b), rational_to_double(end.c),
                                   trajectory.fixed_at >= 0 ? std::to_string(trajectory.fixed_at) : std::string("none"),
                                   rational_to_double(proofs::absolute_loss(system.x, end.a, end.b)),
                                   std::hypot(rational_to_double(end.a), rational_to_double(end.b)));
  }

  StagedFolder staged(folder.write_to, {});
  // The figure's trajectory: a = 1 with b and c away from the critical set.
  const proofs::SgTrajectory shown = proofs::run_sg_system(system, {Rational(1), Rational(3, 2), Rational(1, 2)}, options.steps);
  draw_figure6(staged.path() / "figure6.svg", shown);
  log << fmt::format("  figure: {}\n", (folder.final / "figure6.svg").string());

  std::string text = "# Appendix B: an SG introduces new critical points\n\n";
  text += fmt::format("Data x = {{-2, -1, 1, 2}}, model f(x) = a x + b, loss L(a, b) = sum_i |a x_i + b| (unique minimum a = b = 0). "
                      "The SG outputs one scalar c for every sample; the model is updated with c in place of dL/df and c by gradient "
                      "descent on mean_i (c - sign(a x_i + b))^2 / 2. Exact rational arithmetic, mu = {}, nu = {}, seed {}.\n\n",
                      options.mu, options.nu, options.seed);
  text += claims_table(claims);
  text += "\nB.sg-critical-set is a finding beyond the paper's statement: on this data every (a, b) with |b| < |a| is a fixed "
          "point with c = 0, because two of the four signs are then positive and two negative.\n\n";
  text += "## Figure 6\n\n![Figure 6](figure6.svg)\n\n";
  text += fmt::format("## Trajectories from random starts ({} exact steps at most)\n\n", options.steps) + trajectory_rows;
  text += "\n## Other data sets\n\nOdd rows have sum x = 0 (a stays fixed); even rows have sum x != 0, where the update "
          "-mu c sum x moves a as well. Recorded as observed.\n\n" + general_rows;
  write_file_atomically(staged.path() / "report.md", text);
  write_summary(staged.path(), "critical-points", options.seed, claims);
  staged.commit();
  return claims;
}

int run_critical_points_command(const CriticalPointsOptions& options) {
  const std::vector<ClaimResult> claims = execute_critical_points(options, OutputFolder(options.out), std::cerr);
  if (options.json) {
    std::cout << std::ifstream(std::filesystem::path(options.out) / "summary.json").rdbuf();
    return exit_success;
  }
  print_claims(claims, options.out, options.seed);
  return exit_success;
}

}  // namespace sgverify
