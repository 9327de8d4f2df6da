// sgverify run: the main job. A default set of Theorem 1 runs on built-in synthetic data and on
// the diabetes data, each in its own folder, with an index page that combines their verdicts.
#include "cli/commands.hpp"
#include "io/atomic_file.hpp"
#include "io/csv.hpp"
#include "io/input_error.hpp"
#include "io/output_folder.hpp"
#include "report/html_report.hpp"
#include "report/markdown.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>

namespace sgverify {

namespace {

// Instances of the proof audit in the main job: about 6 s on one core.
constexpr std::int64_t audit_instances = 200;

struct DefaultRun {
  std::string name;
  std::string purpose;
  Theorem1Options options;
};

std::vector<DefaultRun> default_runs(const RunOptions& run_options) {
  const auto synthetic = [&](std::string family, std::string noise, std::string arithmetic, std::int64_t steps) {
    Theorem1Options options;
    options.family = std::move(family);
    options.noise = std::move(noise);
    options.arithmetic = std::move(arithmetic);
    options.steps = steps;
    options.seed = run_options.seed;
    return options;
  };
  std::vector<DefaultRun> runs;
  runs.push_back({"regression-realizable", "exactly realizable targets (sigma = 0), paper's start, the bound-derived schedule",
                  synthetic("regression", "0", "double", 20000)});
  DefaultRun realizable_fixed{"regression-realizable-fixed-mu",
                              "exactly realizable targets, fixed mu: W reaches W* while omega stays away from 0",
                              synthetic("regression", "0", "double", 20000)};
  realizable_fixed.options.mu = "fixed:1/200";
  runs.push_back(realizable_fixed);
  runs.push_back({"regression-noisy", "noisy targets (sigma = 1/2), paper's start", synthetic("regression", "0.5", "double", 20000)});
  DefaultRun random_start{"regression-noisy-random-start", "noisy targets, random W_0 and omega_0",
                          synthetic("regression", "0.5", "double", 20000)};
  random_start.options.start = "random";
  runs.push_back(random_start);
  runs.push_back({"linear2", "appendix D family linear, k = 2, targets +1/-1", synthetic("linear", "0", "double", 20000)});
  runs.push_back({"noisy2", "appendix D family noisy, k = 2", synthetic("noisy", "0", "double", 20000)});
  runs.push_back({"random2", "appendix D family random, k = 2", synthetic("random", "0", "double", 20000)});
  runs.push_back({"regression-noisy-interval",
                  "the noisy regression instance in interval arithmetic with the line search: certified until the "
                  "enclosure of xi contains 0",
                  synthetic("regression", "0.5", "interval:256", 1000)});
  DefaultRun exact{"regression-noisy-exact", "exact rational arithmetic, S = 10: a few steps, no rounding",
                   synthetic("regression", "0.5", "exact", 4)};
  exact.options.samples = 10;
  runs.push_back(exact);

  Theorem1Options diabetes;
  diabetes.data_file = run_options.diabetes;
  diabetes.standardize = true;
  diabetes.arithmetic = "mpfr:256";
  // mu = 1/1000 is below 2/||B|| (||B|| ≈ 1779 for the standardized data); the bound schedules
  // would need millions of steps because b/||B||^2 ≈ 1.2e-6.
  diabetes.mu = "fixed:1/1000";
  diabetes.steps = 100000;
  diabetes.seed = run_options.seed;
  runs.push_back({"diabetes", "diabetes data (442 samples, 10 features, standardized) in mpfr:256", diabetes});
  Theorem1Options diabetes_interval = diabetes;
  // 1440 bits keep every enclosure below 1e-20 for 1000 steps (widths grow by about 1.44 bits a step);
  // the fixed nu = 1e-8 (below 2/lambda_max(A^T A)) avoids dividing by enclosures of ||xi||.
  diabetes_interval.arithmetic = "interval:1440";
  diabetes_interval.nu = "1e-8";
  diabetes_interval.steps = 1000;
  runs.push_back({"diabetes-interval", "diabetes data in interval:1440 with fixed nu: enclosure widths over 1000 steps",
                  diabetes_interval});
  return runs;
}

// Statements whose printed form is ambiguous or incomplete, with the claims that check each reading.
struct Ambiguity {
  std::string statement;
  std::vector<std::string> claim_ids;
};

const std::vector<Ambiguity>& ambiguities() {
  static const std::vector<Ambiguity> list{
      {"Theorem 1's learning-rate bound is garbled in the extracted text: min(b/||B||^2, q_k/(2||B||)) or min(b/||B||^2, 1 - q_k/2).",
       {"T1.combined-decrease", "T1.combined-decrease-literal"}},
      {"The proof's recursion xi_{k+1} = xi_k - nu A_k A_k^T xi_k holds only with A frozen at step k.",
       {"T1.xi-recursion", "T1.xi-recursion-frozen-A"}},
      {"Corollary 1's gated rate reads max(0, g/(3K) - ||e||) or max(0, ||e|| - g/(3K)).", {"C1.gate-iff-consistent", "C1.gate-iff-literal"}},
      {"Theorem 2's hypothesis ||f(x)|| < ||x|| 'for every x' reads 0 < 0 at x = 0.", {"T2.hypothesis-at-zero"}},
      {"Appendix B names the SG's critical line b = 0; the fixed points with c = 0 form the whole cone |b| < |a|.",
       {"B.sg-critical-line", "B.sg-critical-set"}},
  };
  return list;
}

// A part of the main job as the index pages show it: a heading, one sentence, and every plot in
// the part's folder.
struct ReportPart {
  std::string folder;  // relative to the report folder
  std::string heading;
  std::string purpose;
  std::vector<std::string> plots;  // SVG file names in the folder, filled by complete_parts
};

// Returns the names of the SVG files directly inside `folder`, sorted.
std::vector<std::string> plot_files(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".svg") names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Appends a part for each folder of the report that contains plots and is not in `parts` yet, so
// that the index pages show every plot of the report, including those of a part not listed here.
// Then lists the plots of every part.
void complete_parts(const std::filesystem::path& report, std::vector<ReportPart>& parts) {
  std::vector<std::string> unlisted;
  for (const auto& entry : std::filesystem::directory_iterator(report)) {
    const std::string name = entry.path().filename().string();
    const bool listed = std::any_of(parts.begin(), parts.end(), [&](const ReportPart& part) { return part.folder == name; });
    if (entry.is_directory() && !listed && !plot_files(entry.path()).empty()) unlisted.push_back(name);
  }
  std::sort(unlisted.begin(), unlisted.end());
  for (const std::string& name : unlisted) parts.push_back({name, name, "", {}});
  for (ReportPart& part : parts) part.plots = plot_files(report / part.folder);
}

// Returns each reading of an ambiguous statement with its verdict in this run, as plain text.
std::string readings_text(const Ambiguity& ambiguity, const std::map<std::string, const ClaimResult*>& by_id) {
  std::string readings;
  for (const std::string& id : ambiguity.claim_ids) {
    const auto found = by_id.find(id);
    readings += fmt::format("{}{}: {}", readings.empty() ? "" : "; ", id,
                            found == by_id.end() ? std::string("not checked by this run")
                                                 : to_string(found->second->verdict) + " (" + to_string(found->second->evidence) + ")");
  }
  return readings;
}

// Returns `text` as one cell of a Markdown table: a '|' would end the cell, and a line break the row.
std::string markdown_cell(const std::string& text) {
  std::string cell;
  for (const char c : text) {
    if (c == '|') cell += "\\|";
    else cell += c == '\n' ? ' ' : c;
  }
  return cell;
}

std::string introduction(std::uint64_t seed) {
  return "Checks of Czarnecki et al., \"Understanding Synthetic Gradients and Decoupled Neural Interfaces\" (ICML 2017, "
         "arXiv:1703.00522), supplementary appendices. Generated by `sgverify run --seed " + std::to_string(seed) + "`.";
}

// index.md: the false and ambiguous statements, the verdict table, the Theorem 1 runs and every plot.
std::string index_markdown(const std::vector<ClaimResult>& combined, const std::vector<ReportPart>& parts, const std::string& runs_table,
                           std::uint64_t seed) {
  std::map<std::string, const ClaimResult*> by_id;
  for (const ClaimResult& claim : combined) by_id[claim.id] = &claim;
  std::string index = "# sgverify report\n\n" + introduction(seed) + "\n\n## Statements found false\n\n";
  bool any_false = false;
  for (const ClaimResult& claim : combined) {
    if (claim.verdict != Verdict::refuted) continue;
    any_false = true;
    index += fmt::format("- **{}**: {}. Evidence ({}): {}. Replay: {}\n", claim.id, claim.statement, to_string(claim.evidence), claim.detail,
                         claim.replay.empty() ? std::string("none") : markdown_code(claim.replay));
  }
  if (!any_false) index += "None in this run.\n";
  index += "\n## Statements found ambiguous\n\n";
  for (const Ambiguity& ambiguity : ambiguities()) index += "- " + ambiguity.statement + " " + readings_text(ambiguity, by_id) + "\n";
  index += "\n## Verdicts over all runs\n\n| claim | statement | verdict | level | instances | worst value | detail | counterexample |\n"
           "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const ClaimResult& claim : combined) {
    index += fmt::format("| {} | {} | **{}** | {} | {} | {:.3g} | {} | {} |\n", claim.id, markdown_cell(claim.statement),
                         to_string(claim.verdict), to_string(claim.evidence), claim.instances, claim.worst_value, markdown_cell(claim.detail),
                         claim.replay.empty() ? std::string("none") : markdown_code(markdown_cell(claim.replay)));
  }
  index += fmt::format("\nThe step claims come from the [proof audit](audit/report.md) over {} generated instances; the "
                       "convergence claims combine the audit with the runs below.\n", audit_instances);
  index += runs_table;
  index += "\nAppendix A: [critic report](critic/report.md). Appendix B: [critical-points report](critical-points/report.md). "
           "Theorem 2: [report](theorem2/report.md). Proposition 2: [audit](proposition2/report.md). Corollary 1: "
           "[audit](corollary1/report.md) and [training run](corollary1-run/report.md). Table 2 (reduced preset): "
           "[report](table2/report.md); the full table is reports/table2/.\n";
  index += "\n## Plots\n";
  for (const ReportPart& part : parts) {
    index += "\n### " + part.heading + "\n\n" + (part.purpose.empty() ? "" : part.purpose + "\n\n");
    for (const std::string& plot : part.plots) index += fmt::format("![{0}/{1}]({0}/{1})\n\n", part.folder, plot);
  }
  return index;
}

// index.html: the same content as index.md, self-contained, with every plot inline.
std::string index_html(const std::filesystem::path& folder, const std::vector<ClaimResult>& combined, const std::vector<ReportPart>& parts,
                       std::uint64_t seed) {
  std::map<std::string, const ClaimResult*> by_id;
  for (const ClaimResult& claim : combined) by_id[claim.id] = &claim;
  std::string body = "<p>" + html_escape(introduction(seed)) + "</p>\n<h2>Statements found false</h2>\n<ul>\n";
  bool any_false = false;
  for (const ClaimResult& claim : combined) {
    if (claim.verdict != Verdict::refuted) continue;
    any_false = true;
    body += fmt::format("<li><b>{}</b>: {}. Evidence ({}): {}<br>Replay: <code>{}</code></li>\n", html_escape(claim.id),
                        html_escape(claim.statement), to_string(claim.evidence), html_escape(claim.detail),
                        html_escape(claim.replay.empty() ? std::string("none") : claim.replay));
  }
  if (!any_false) body += "<li>None in this run.</li>\n";
  body += "</ul>\n<h2>Statements found ambiguous</h2>\n<ul>\n";
  for (const Ambiguity& ambiguity : ambiguities()) {
    body += "<li>" + html_escape(ambiguity.statement + " " + readings_text(ambiguity, by_id)) + "</li>\n";
  }
  body += "</ul>\n<h2>Verdicts</h2>\n" + claims_table_html(combined) + "<h2>Plots</h2>\n";
  for (const ReportPart& part : parts) {
    body += "<h3>" + html_escape(part.heading) + "</h3>\n" + (part.purpose.empty() ? "" : "<p>" + html_escape(part.purpose) + "</p>\n");
    for (const std::string& plot : part.plots) body += inline_svg_image(folder / part.folder / plot, part.folder + "/" + plot);
  }
  return html_page("sgverify report", body);
}

// Throws InputError unless `folder` is absent, empty or a report of an earlier `sgverify run`,
// because the run replaces the whole folder and would delete anything else in it.
void check_replaceable_report(const std::filesystem::path& folder) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error) || std::filesystem::is_empty(folder, error)) return;
  std::ifstream in(folder / "summary.json");
  const nlohmann::json summary = nlohmann::json::parse(in, nullptr, false);
  if (summary.is_object() && summary.contains("command") && summary["command"] == "run") return;
  throw InputError("--out " + folder.string() + " contains files but no report of sgverify run (no summary.json of a run). The run "
                   "would replace the whole folder, so pass a new or empty folder, or remove this one");
}

}  // namespace

void add_run_options(CLI::App& command, RunOptions& options) {
  command.add_option("--out", options.out, "Report folder, replaced as a whole when the run succeeds")->check(output_folder_path(options.out))->capture_default_str();
  command.add_option("--diabetes", options.diabetes, "Diabetes CSV built by setup.sh")
      ->check(non_empty_path("--diabetes", "give a CSV file, or omit --diabetes to read " + options.diabetes))
      ->capture_default_str();
  command.add_option("--seed", options.seed, "Seed of every synthetic instance and random start")->transform(seed_range)->capture_default_str();
  command.add_flag("--json", options.json, "Print the combined summary as JSON on standard output");
}

int run_main_job(const RunOptions& options) {
  // Only a missing file gets the set-up hint, because read_csv_dataset names every other problem.
  std::error_code error;
  if (std::filesystem::status(options.diabetes, error).type() == std::filesystem::file_type::not_found) {
    throw InputError("diabetes data not found at " + options.diabetes + ": run ./setup.sh, which builds data/diabetes.csv, "
                     "or pass --diabetes FILE");
  }
  // Read the data once before writing anything, so a malformed file leaves no partial report.
  read_csv_dataset(options.diabetes, CsvOptions{true, default_grid_bits});
  // Every part is written into a staging folder beside --out, which replaces --out only once the
  // whole report is written. A run that fails leaves the previous report as it was. A killed run
  // leaves only its staging folder, which the next run removes before it starts.
  // Texts name the folder by the path that the renames reach, which a pasted replay command can
  // open even when --out passes through a missing folder, as in /x/missing/../run2.
  const std::filesystem::path destination = FolderReplacement::destination_path(options.out);
  check_replaceable_report(destination);
  FolderReplacement replacement(destination);
  const FolderReplacement::Cleanup cleanup = replacement.clean_up_stale_siblings();
  if (cleanup.restored) {
    std::cerr << fmt::format("restored the previous report {} to {}: an interrupted run had moved it aside\n", cleanup.restored->string(),
                             destination.string());
  }
  for (const std::filesystem::path& stale : cleanup.removed) {
    std::cerr << fmt::format("removed {}, left by an interrupted run whose process no longer exists\n", stale.string());
  }
  const OutputFolder folder(replacement.path(), destination);
  const auto started = std::chrono::steady_clock::now();

  // Each progress line is a command that repeats its part, with the program as invoked.
  const std::string program = shell_quote(invoked_program);
  const std::vector<DefaultRun> runs = default_runs(options);
  std::vector<Theorem1Execution> executions;
  std::map<std::string, std::vector<ClaimResult>> by_claim;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const DefaultRun& run = runs[i];
    std::cerr << fmt::format("[{}/{}] {}: {}\n", i + 1, runs.size(), run.name, theorem1_command_line(run.options));
    executions.push_back(execute_theorem1(run.options, folder / run.name, std::cerr));
    for (const ClaimResult& claim : executions.back().outcome.claims) by_claim[claim.id].push_back(claim);
  }

  // The proof audit, on fewer instances than its own default to keep the main job short.
  AuditOptions audit_options;
  audit_options.instances = audit_instances;
  audit_options.seed = options.seed;
  std::cerr << fmt::format("[audit] {} audit --proof theorem1 --instances {} --seed {}\n", program, audit_instances, options.seed);
  for (const ClaimResult& claim : execute_audit(audit_options, folder / "audit", std::cerr)) by_claim[claim.id].push_back(claim);

  // Appendices A and B with their default settings, and Figure 6.
  CriticOptions critic_options;
  critic_options.seed = options.seed;
  std::cerr << fmt::format("[critic] {} critic --seed {}\n", program, options.seed);
  for (const ClaimResult& claim : execute_critic(critic_options, folder / "critic", std::cerr)) by_claim[claim.id].push_back(claim);
  CriticalPointsOptions critical_points_options;
  critical_points_options.seed = options.seed;
  std::cerr << fmt::format("[critical-points] {} critical-points --seed {}\n", program, options.seed);
  for (const ClaimResult& claim : execute_critical_points(critical_points_options, folder / "critical-points", std::cerr)) {
    by_claim[claim.id].push_back(claim);
  }

  // Theorem 2, Proposition 2 and Corollary 1, on fewer instances than their own defaults.
  Theorem2Options theorem2_options;
  theorem2_options.seed = options.seed;
  std::cerr << fmt::format("[theorem2] {} theorem2 --seed {}\n", program, options.seed);
  for (const ClaimResult& claim : execute_theorem2(theorem2_options, folder / "theorem2", std::cerr)) by_claim[claim.id].push_back(claim);
  for (const auto& [proof, instances] : {std::pair<std::string, std::int64_t>{"proposition2", 30}, {"corollary1", 20}}) {
    AuditOptions second;
    second.proof = proof;
    second.instances = instances;
    second.seed = options.seed;
    std::cerr << fmt::format("[{0}] {3} audit --proof {0} --instances {1} --seed {2}\n", proof, instances, options.seed, program);
    for (const ClaimResult& claim : execute_audit(second, folder / proof, std::cerr)) by_claim[claim.id].push_back(claim);
  }
  // One training run of Corollary 1 with the command's defaults, for its plots of the gate.
  Corollary1Options corollary1_options;
  corollary1_options.seed = options.seed;
  std::cerr << fmt::format("[corollary1-run] {} corollary1 --seed {}\n", program, options.seed);
  for (const ClaimResult& claim : execute_corollary1(corollary1_options, folder / "corollary1-run", std::cerr).claims) {
    by_claim[claim.id].push_back(claim);
  }

  // Table 2 in its reduced preset: a smoke test whose claims stay inconclusive while runs are capped.
  Table2Options table2_options;
  table2_options.quick = true;
  table2_options.seed = options.seed;
  std::cerr << fmt::format("[table2] {} table2 --quick --seed {}\n", program, options.seed);
  for (const ClaimResult& claim : execute_table2(table2_options, folder / "table2", std::cerr, false)) by_claim[claim.id].push_back(claim);

  std::vector<ClaimResult> combined;
  for (const auto& [id, results] : by_claim) combined.push_back(combine_results(results));

  std::string runs_table = "\n## Theorem 1 runs\n\n| run | purpose | arithmetic | steps | seconds | T1.global-solution | T1.global-attraction |\n"
                           "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Theorem1Outcome& outcome = executions[i].outcome;
    runs_table += fmt::format("| [{0}]({0}/report.md) | {1} | {2} | {3} | {4:.2f} | {5} ({6}) | {7} ({8}) |\n", runs[i].name,
                              runs[i].purpose, outcome.run.arithmetic, outcome.run.steps_done, outcome.run.seconds,
                              to_string(outcome.claims[0].verdict), to_string(outcome.claims[0].evidence),
                              to_string(outcome.claims[1].verdict), to_string(outcome.claims[1].evidence));
  }
  std::vector<ReportPart> parts;
  for (const DefaultRun& run : runs) parts.push_back({run.name, "Theorem 1: " + run.name, run.purpose, {}});
  parts.push_back({"critical-points", "Appendix B: Figure 6", "the critical points that the SG adds", {}});
  parts.push_back({"theorem2", "Theorem 2", "a representative map, and the constructions behind its hypotheses", {}});
  parts.push_back({"proposition2", "Proposition 2", "descent of the loss with SG errors", {}});
  parts.push_back({"corollary1-run", "Corollary 1", "gradient norms and the gate of one training run with the command's defaults", {}});
  parts.push_back({"table2", "Table 2 (reduced preset)", "loss curves of data set 0 of every cell, with the SG and by backpropagation", {}});
  complete_parts(folder.write_to, parts);
  write_file_atomically(folder.write_to / "index.md", index_markdown(combined, parts, runs_table, options.seed));
  write_file_atomically(folder.write_to / "index.html", index_html(folder.write_to, combined, parts, options.seed));

  nlohmann::json claims = nlohmann::json::array();
  for (const ClaimResult& claim : combined) claims.push_back(to_json(claim));
  const nlohmann::json summary{{"command", "run"}, {"seed", options.seed}, {"claims", claims}};
  write_file_atomically(folder.write_to / "summary.json", summary.dump(2) + "\n");
  replacement.commit();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.json) {
    std::cout << summary.dump(2) << "\n";
  } else {
    for (const ClaimResult& claim : combined) {
      std::cout << fmt::format("{:<38} {:<12} {:<10} {} instance(s)\n", claim.id, to_string(claim.verdict), to_string(claim.evidence),
                               claim.instances);
      if (!claim.replay.empty()) std::cout << "  replay: " << claim.replay << "\n";
    }
    std::cout << fmt::format("seed {}\nreport: {} ({:.1f} s)\n", options.seed, (folder.final / "index.md").string(), seconds);
  }
  return exit_success;
}

}  // namespace sgverify
