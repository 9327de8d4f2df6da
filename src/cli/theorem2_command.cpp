// sgverify theorem2: the claims of Theorem 2 of Czarnecki et al., "Understanding Synthetic
// Gradients and Decoupled Neural Interfaces" (ICML 2017, arXiv:1703.00522), with plots of
// ‖xₙ‖ and a replayable trace per construction. Also the audits of Theorem 2 and Proposition 2
// that `sgverify audit --proof theorem2|proposition2` runs.
#include "cli/commands.hpp"
#include "io/atomic_file.hpp"
#include "io/input_error.hpp"
#include "io/json_fields.hpp"
#include "io/replay_time_limit.hpp"
#include "io/trace.hpp"
#include "numeric/rational.hpp"
#include "proofs/proposition2.hpp"
#include "proofs/theorem2.hpp"
#include "report/markdown.hpp"
#include "report/plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>

namespace sgverify {

namespace {

constexpr std::int64_t max_theorem2_instances = 1'000'000;
const char* const theorem2_trace_kind = "theorem2-counterexample";

std::string paper_citation() {
  return "Czarnecki et al., \"Understanding Synthetic Gradients and Decoupled Neural Interfaces\" (ICML 2017, arXiv:1703.00522), "
         "supplementary material";
}

std::string claim_table(const std::vector<ClaimResult>& claims) {
  std::string text = "| claim | statement | verdict | level | instances | worst margin | trace |\n| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const ClaimResult& claim : claims) {
    text += fmt::format("| {} | {} | **{}** | {} | {} | {:.3g} | {} |\n", claim.id, claim.statement, to_string(claim.verdict), to_string(claim.evidence),
                        claim.instances, claim.worst_value,
                        claim.counterexample.empty() ? std::string("none")
                                                     : fmt::format("[trace]({})", std::filesystem::path(claim.counterexample).filename().string()));
  }
  text += "\n## Details\n\n";
  for (const ClaimResult& claim : claims) {
    text += fmt::format("- **{}**: {}", claim.id, claim.detail);
    if (!claim.replay.empty()) text += " Replay: " + markdown_code(claim.replay);
    text += "\n";
  }
  return text;
}

Series orbit_series(const proofs::Theorem2Outcome::Curve& curve) {
  Series series;
  series.title = curve.title;
  for (std::size_t n = 0; n < curve.norms.size(); ++n) {
    series.x.push_back(static_cast<double>(n));
    series.y.push_back(curve.norms[n]);
  }
  return series;
}

std::string file_stem(const std::string& text) {
  std::string stem;
  for (const char c : text) stem += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '-';
  return stem;
}

nlohmann::json construction_trace_header(const proofs::ConstructionSpec& spec, const proofs::CheckVerdict& verdict, std::uint64_t seed) {
  nlohmann::json start = nlohmann::json::array();
  for (Eigen::Index i = 0; i < spec.x0.size(); ++i) start.push_back(rational_to_string(spec.x0(i)));
  return {{"format", "sgverify-trace"},
          {"version", trace_format_version},
          {"kind", theorem2_trace_kind},
          {"claim", spec.claim},
          {"verdict", to_string(verdict.verdict)},
          {"level", to_string(verdict.evidence)},
          {"detail", verdict.detail},
          {"seed", seed},
          {"construction", {{"name", spec.name}, {"norm", proofs::to_string(spec.norm)}, {"x0", start}, {"steps", spec.steps}}}};
}

// Writes one trace per construction and points each claim at its first trace.
void write_construction_traces(const OutputFolder& folder, std::vector<ClaimResult>& claims, std::uint64_t seed) {
  std::set<std::string> linked;
  for (const proofs::ConstructionSpec& spec : proofs::theorem2_constructions()) {
    const proofs::ConstructionCheck check = proofs::check_construction(spec.name, spec.norm, spec.x0, spec.steps);
    const std::string name =
        file_stem(fmt::format("counterexample-{}-{}-{}-dim{}.jsonl", spec.claim, spec.name, proofs::to_string(spec.norm), spec.x0.size()));
    std::string text = construction_trace_header(spec, check.verdict, seed).dump() + "\n";
    // Each further line is one recorded norm, at most 200 of them, for `trace show`.
    const std::size_t stride = std::max<std::size_t>(1, check.verdict.norms.size() / 200);
    for (std::size_t n = 0; n < check.verdict.norms.size(); n += stride) text += nlohmann::json{{"n", n}, {"norm", check.verdict.norms[n]}}.dump() + "\n";
    write_file_atomically(folder.write_to / name, text);
    if (linked.insert(spec.claim).second) {
      for (ClaimResult& claim : claims) {
        if (claim.id != spec.claim) continue;
        claim.counterexample = (folder.final / name).string();
        claim.replay = trace_replay_command(claim.counterexample);
      }
    }
  }
}

void write_summary(const std::filesystem::path& folder, const std::string& command, const AuditOptions* audit, std::uint64_t seed,
                   std::int64_t instances, const std::vector<ClaimResult>& claims) {
  nlohmann::json list = nlohmann::json::array();
  for (const ClaimResult& claim : claims) list.push_back(to_json(claim));
  nlohmann::json summary{{"command", command}, {"seed", seed}, {"instances", instances}, {"claims", list}};
  if (audit != nullptr) summary["proof"] = audit->proof;
  write_file_atomically(folder / "summary.json", summary.dump(2) + "\n");
}

// Runs the T2 claims and writes the plots and traces; returns the report body after the title.
std::string theorem2_outputs(const proofs::Theorem2Outcome& outcome_in, std::vector<ClaimResult>& claims, const OutputFolder& folder,
                             std::uint64_t seed) {
  const proofs::Theorem2Outcome& outcome = outcome_in;
  write_construction_traces(folder, claims, seed);
  std::string text = claim_table(claims);

  PlotSpec representative{"Theorem 2: |x_n| for representative generated maps", "n", "|x_n|", false, true, {}};
  for (const auto& curve : outcome.representative_orbits) representative.series.push_back(orbit_series(curve));
  plot_svg(representative, folder.write_to / "theorem2-limit.svg");
  text += "\n## Plots\n\nNorms of the iterates of one generated map per norm (and one non-rational map), until |x_n| <= |x_0|/100:\n\n"
          "![representative maps](theorem2-limit.svg)\n\n";

  std::map<std::string, PlotSpec> by_claim;
  for (const auto& curve : outcome.counterexample_orbits) {
    const std::string claim = curve.title.substr(0, curve.title.find(' '));
    PlotSpec& spec = by_claim[claim];
    spec.title = "Theorem 2, " + claim + ": |x_n|";
    spec.x_label = "n";
    spec.y_label = "|x_n|";
    spec.log_y = claim != "T2.needs-strictness";
    spec.series.push_back(orbit_series(curve));
  }
  for (const auto& [claim, spec] : by_claim) {
    const std::string svg = file_stem(claim) + ".svg";
    plot_svg(spec, folder.write_to / svg);
    text += fmt::format("{}: the constructions' orbits, exact.\n\n![{}]({})\n\n", claim, claim, svg);
  }
  return text;
}

std::string proposition2_outputs(const proofs::Proposition2Outcome& outcome, const std::vector<ClaimResult>& claims, const std::filesystem::path& folder) {
  std::string text = claim_table(claims);
  text += "\n## Adversarial error against delta\n\nGradient descent with an error of relative size exactly (1 - delta)/(1 + delta) in the "
          "direction of smallest cosine (MPFR, 128 bits). The smallest possible cosine is sqrt(1 - rho²) = 2 sqrt(delta)/(1 + delta) >= delta.\n\n"
          "| delta | rho = (1 - delta)/(1 + delta) | family | runs | worst cosine | 2 sqrt(delta)/(1 + delta) | max iterations | mean iterations |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const proofs::DescentRow& row : outcome.rows) {
    const double delta = rational_to_double(row.delta);
    text += fmt::format("| {} | {} | {} | {} | {:.9f} | {:.9f} | {} | {:.0f} |\n", rational_to_string(row.delta),
                        rational_to_string(proofs::relative_error_bound(row.delta)), row.family, row.runs, row.worst_cosine,
                        2 * std::sqrt(delta) / (1 + delta), row.max_iterations, row.mean_iterations);
  }
  PlotSpec plot{"Proposition 2: |g_k|/|g_0| under the adversarial error", "k", "|g_k|/|g_0|", false, true, {}};
  for (const auto& curve : outcome.curves) {
    Series series;
    series.title = curve.title;
    for (std::size_t i = 0; i < curve.norms.size(); ++i) {
      series.x.push_back(curve.steps[i]);
      series.y.push_back(curve.norms[i]);
    }
    plot.series.push_back(series);
  }
  plot_svg(plot, folder / "proposition2-descent.svg");
  text += "\n![descent](proposition2-descent.svg)\n";
  return text;
}

// The claim ids of each audit, to reject an unknown --claim before any computation.
const std::vector<std::string>& audit_claim_ids(const std::string& proof) {
  static const std::vector<std::string> theorem2{"T2.limit", "T2.limit-rational-maps", "T2.hypothesis-at-zero", "T2.needs-continuity",
                                                 "T2.needs-strictness", "T2.needs-finite-dimension", "T2.no-uniform-rate"};
  static const std::vector<std::string> proposition2{"P2.cosine-bound", "P2.noise-bound", "P2.convergence"};
  return proof == "theorem2" ? theorem2 : proposition2;
}

void check_claim_id(const std::string& proof, const std::string& id) {
  const std::vector<std::string>& ids = audit_claim_ids(proof);
  if (id.empty() || std::find(ids.begin(), ids.end(), id) != ids.end()) return;
  std::string known;
  for (const std::string& name : ids) known += (known.empty() ? "" : ", ") + name;
  throw InputError("unknown --claim '" + id + "' for --proof " + proof + ": use one of " + known);
}

std::vector<ClaimResult> select_claim(std::vector<ClaimResult> claims, const std::string& id) {
  if (id.empty()) return claims;
  std::string known;
  for (const ClaimResult& claim : claims) {
    if (claim.id == id) return {claim};
    known += (known.empty() ? "" : ", ") + claim.id;
  }
  throw InputError("unknown --claim '" + id + "': use one of " + known);
}

void print_claims(const std::vector<ClaimResult>& claims, const std::filesystem::path& folder) {
  std::cout << fmt::format("{:<28} {:<12} {:<10} {:>9}  {}\n", "claim", "verdict", "level", "instances", "worst margin");
  for (const ClaimResult& claim : claims) {
    std::cout << fmt::format("{:<28} {:<12} {:<10} {:>9}  {:.3g}\n", claim.id, to_string(claim.verdict), to_string(claim.evidence), claim.instances,
                             claim.worst_value);
    if (!claim.replay.empty()) std::cout << "  replay: " << claim.replay << "\n";
  }
  std::cout << "report: " << (folder / "report.md").string() << "\n";
}

}  // namespace

void add_theorem2_options(CLI::App& command, Theorem2Options& options) {
  command.add_option("--seed", options.seed, "Seed of the generated maps and starts")->transform(seed_range)->capture_default_str();
  add_integer_option(command, "--instances", options.instances, "Number of generated maps for T2.limit", 1, max_theorem2_instances);
  command.add_option("--out", options.out, "Output folder")->check(output_folder_path(options.out))->capture_default_str();
  command.add_flag("--json", options.json, "Print summary.json on standard output instead of the table");
}

namespace {

void check_theorem2_options(const Theorem2Options& options) { check_integer_flag("--instances", options.instances, 1, max_theorem2_instances); }

}  // namespace

std::vector<ClaimResult> execute_theorem2(const Theorem2Options& options, const OutputFolder& folder, std::ostream& log) {
  check_theorem2_options(options);
  const auto started = std::chrono::steady_clock::now();
  log << fmt::format("  {} generated maps and the constructions\n", options.instances);
  const proofs::Theorem2Outcome outcome = proofs::run_theorem2_claims(options.seed, options.instances);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  create_output_folder(folder.write_to);
  std::vector<ClaimResult> claims = outcome.claims;
  std::string text = "# Theorem 2: strictly norm-decreasing continuous maps\n\n";
  text += "Theorem 2 of " + paper_citation() + ": f continuous on a finite-dimensional space with |f(x)| < |x| implies f^n(x) -> 0.\n\n";
  text += fmt::format("Command: `sgverify theorem2 --seed {} --instances {}` ({:.1f} s).\n\n", options.seed, options.instances, seconds);
  text += theorem2_outputs(outcome, claims, folder, options.seed);
  write_summary(folder.write_to, "theorem2", nullptr, options.seed, options.instances, claims);
  write_file_atomically(folder.write_to / "report.md", text);
  return claims;
}

int run_theorem2_command(const Theorem2Options& options) {
  // Bad options get their one message before the seed line.
  check_theorem2_options(options);
  std::cerr << fmt::format("sgverify theorem2: seed {}\n", options.seed);
  const std::vector<ClaimResult> claims = execute_theorem2(options, OutputFolder(options.out), std::cerr);
  if (options.json) {
    std::cout << std::ifstream(std::filesystem::path(options.out) / "summary.json").rdbuf();
    return exit_success;
  }
  print_claims(claims, options.out);
  return exit_success;
}

bool is_second_batch_proof(const std::string& proof) { return proof == "theorem2" || proof == "proposition2"; }

std::vector<ClaimResult> execute_second_batch_audit(const AuditOptions& options, const OutputFolder& folder, std::ostream& log) {
  check_integer_flag("--instances", options.instances, 1, max_theorem2_instances, "with --proof " + options.proof);
  check_claim_id(options.proof, options.claim);
  const auto started = std::chrono::steady_clock::now();
  std::string title, body;
  std::vector<ClaimResult> claims;
  if (options.proof == "theorem2") {
    log << "  the Theorem 2 claims\n";
    const proofs::Theorem2Outcome outcome = proofs::run_theorem2_claims(options.seed, options.instances);
    claims = select_claim(outcome.claims, options.claim);
    create_output_folder(folder.write_to);
    title = "# Audit of Theorem 2\n\nTheorem 2 of " + paper_citation() + ".\n\n";
    body = theorem2_outputs(outcome, claims, folder, options.seed);
  } else {
    log << "  the Proposition 2 claims\n";
    const proofs::Proposition2Outcome outcome = proofs::run_proposition2_claims(options.seed, options.instances);
    claims = select_claim(outcome.claims, options.claim);
    create_output_folder(folder.write_to);
    title = "# Audit of Proposition 2\n\nProposition 2 of " + paper_citation() +
            ": with |SG - dL/dh| <= epsilon, |dh/dtheta| <= K and K·epsilon <= |dL/dtheta|(1 - delta)/(1 + delta), the followed direction keeps a "
            "cosine of at least delta with the true gradient and training converges.\n\n";
    body = proposition2_outputs(outcome, claims, folder.write_to);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  title += fmt::format("Command: `sgverify audit --proof {} --instances {} --seed {}{}` ({:.1f} s).\n\n", options.proof, options.instances, options.seed,
                       options.claim.empty() ? std::string() : " --claim " + options.claim, seconds);
  write_summary(folder.write_to, "audit", &options, options.seed, options.instances, claims);
  write_file_atomically(folder.write_to / "report.md", title + body);
  return claims;
}

bool is_theorem2_trace(const std::filesystem::path& path) {
  return trace_kind(path) == theorem2_trace_kind;
}

namespace {

// The largest start and the longest numerator or denominator of a start entry that a Theorem 2
// trace may hold. sgverify writes starts of at most 4 entries of one digit, and with 16 entries of
// 20 digits the slowest construction (isometry under l2, 5000 steps) replays in seconds.
constexpr std::size_t max_trace_start_entries = 16;
constexpr std::size_t max_trace_start_digits = 20;

std::size_t decimal_digits(const boost::multiprecision::mpz_int& value) { return boost::multiprecision::mpz_int(abs(value)).str().size(); }

Vector<Rational> start_from_json(const nlohmann::json& construction, const std::string& where) {
  const nlohmann::json& list = field(construction, "x0", where);
  if (!list.is_array() || list.empty() || list.size() > max_trace_start_entries) {
    throw InputError(fmt::format("{}: construction field 'x0' must list 1 to {} numbers as strings", where, max_trace_start_entries));
  }
  Vector<Rational> x0(static_cast<Eigen::Index>(list.size()));
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) throw InputError(fmt::format("{}: x0 entry {} must be a string such as \"3/8\"", where, i + 1));
    const std::string text = list[i].get<std::string>();
    const Rational value = parse_rational(text, fmt::format("{} x0 entry {}", where, i + 1));
    if (decimal_digits(numerator(value)) > max_trace_start_digits || decimal_digits(denominator(value)) > max_trace_start_digits) {
      throw InputError(fmt::format("{}: construction field 'x0' entry {} '{}' has more than {} digits in its numerator or denominator, more "
                                   "than any trace sgverify writes; the trace was edited or damaged",
                                   where, i + 1, shortened(text), max_trace_start_digits));
    }
    x0(static_cast<Eigen::Index>(i)) = value;
  }
  return x0;
}

// Reads the records after the header and returns them as table rows. The writer records n = 0,
// s, 2s, ... up to the horizon with s = max(1, (steps + 1)/200), and no record for zero-point,
// whose check follows no orbit. Any other sequence is a damaged file: a record out of order or
// duplicated, a missing record, or a file cut at a line boundary.
std::string read_orbit_records(const std::string& file, const std::string& name, std::int64_t steps) {
  const std::int64_t stride = std::max<std::int64_t>(1, (steps + 1) / 200);
  const std::int64_t last = name == "zero-point" ? -1 : steps / stride * stride;

  std::string rows;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  std::getline(in, line);  // the header, read before
  std::size_t values_left = max_trace_values;
  std::int64_t expected = 0;
  int line_number = 2;
  for (; std::getline(in, line); ++line_number) {
    if (line.empty()) continue;
    const std::string where = fmt::format("{}, line {}", file, line_number);
    const nlohmann::json record = parse_trace_line(line, values_left, where);
    if (!record.is_object()) throw InputError(where + ": not a JSON object; the trace is malformed or truncated");
    const std::int64_t n = integer_field(record, "n", where);
    if (last < 0) throw InputError(where + ": a zero-point trace has no records, because its check follows no orbit; the file is damaged");
    if (expected > last) throw InputError(fmt::format("{}: record n = {} after the last record n = {}; the file is damaged", where, n, last));
    if (n != expected) {
      throw InputError(fmt::format("{}: record n = {} where n = {} belongs; records run n = 0, {}, {}, ... to {} in order, each once, so "
                                   "the file is damaged",
                                   where, n, expected, stride, 2 * stride, last));
    }

    const nlohmann::json& norm = field(record, "norm", where);
    if (!norm.is_number() || norm.get<double>() < 0) throw InputError(where + ": field 'norm' must be a number of at least 0");
    rows += fmt::format("{:>9}  {:>24.17g}\n", n, norm.get<double>());
    expected += stride;
  }

  if (expected <= last) {
    throw InputError(fmt::format("{}, line {}: the file ends before record n = {}; records run n = 0, {}, ... to {}, so it is truncated",
                                 file, line_number, expected, stride, last));
  }
  return rows;
}

}  // namespace

int run_theorem2_trace(const TraceOptions& options) {
  const nlohmann::json header = read_trace_header(options.file);
  const std::string where = options.file + ", header";
  check_trace_format(header, where);
  const nlohmann::json& construction = field(header, "construction", where);
  if (!construction.is_object()) throw InputError(where + ": field 'construction' must be an object");
  const std::string name = string_field(construction, "name", where + ", construction");
  const std::string norm_text = string_field(construction, "norm", where + ", construction");
  const std::int64_t steps = integer_field(construction, "steps", where + ", construction");
  const Vector<Rational> x0 = start_from_json(construction, where);
  // The checks of the construction's input name no file, so the file goes in front of them.
  proofs::NormKind norm{};
  try {
    norm = proofs::parse_norm_kind(norm_text);
    proofs::check_construction_input(name, norm, x0, steps);
  } catch (const InputError& error) {
    throw InputError(fmt::format("{}, construction: {}; no sgverify run writes such a trace, so it was edited or damaged", where,
                                 error.what()));
  }
  const std::string recorded_claim = string_field(header, "claim", where);
  if (recorded_claim != proofs::construction_claim(name)) {
    throw InputError(fmt::format("{}: invalid field 'claim' '{}': a trace of the construction {} backs {}; no sgverify run writes such a "
                                 "trace, so it was edited or damaged",
                                 where, shortened(recorded_claim), name, proofs::construction_claim(name)));
  }
  const auto [recorded, recorded_level] = recorded_outcome(header, where);
  const std::string detail = string_field(header, "detail", where);
  // The seed of the run that wrote the trace. The constructions themselves use no randomness.
  const std::uint64_t seed = unsigned_field(header, "seed", where);
  // Every record is read, for show and replay alike, before anything is printed, so a malformed or
  // cut record prints only its error.
  const std::string records = read_orbit_records(options.file, name, steps);

  std::string text = fmt::format("{} trace, format version {}, written with seed {}\nclaim {}: recorded verdict {} ({})\n", theorem2_trace_kind,
                                 trace_format_version, seed, recorded_claim, recorded, recorded_level);
  text += fmt::format("construction {} under {}, start ({}), {} steps\n", name, proofs::to_string(norm), [&] {
    std::string start;
    for (Eigen::Index i = 0; i < x0.size(); ++i) start += (i == 0 ? "" : ", ") + rational_to_string(x0(i));
    return start;
  }(), steps);
  if (options.action != "replay") {
    std::cout << text << detail << "\n" << records;
    return exit_success;
  }
  // The replay rebuilds the construction before printing, so a trace that runs out of time prints only the error.
  const ReplayTimeLimit limit(options.file, options.time_limit);
  const proofs::ConstructionCheck check = proofs::check_construction(name, norm, x0, steps, [&limit, steps](std::int64_t n) { limit.check(n, steps); });
  std::cout << text;
  std::cout << fmt::format("replayed claim {}: {} ({}): {}\n", check.claim, to_string(check.verdict.verdict), to_string(check.verdict.evidence),
                           check.verdict.detail);
  const bool reproduced = check.claim == recorded_claim && to_string(check.verdict.verdict) == recorded &&
                          to_string(check.verdict.evidence) == recorded_level && check.verdict.applicable;
  std::cout << (reproduced ? "reproduced: the recorded verdict " + recorded + " follows from this trace\n"
                           : "NOT reproduced: the trace records " + recorded_claim + " " + recorded + "\n");
  return reproduced ? exit_success : exit_failure;
}

}  // namespace sgverify
