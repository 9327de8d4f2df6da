// The sgverify subcommands. Each one validates every flag value before it writes anything.
// Each execute_* function writes its outputs into `folder.write_to` and names them by
// `folder.final` in every text it writes or prints, so that `sgverify run` can build its report
// in a staging folder.
#pragma once

#include "cli/shell_quote.hpp"
#include "data/families.hpp"
#include "io/output_folder.hpp"
#include "io/atomic_file.hpp"
#include "io/input_error.hpp"
#include "io/utf8.hpp"
#include "report/theorem1_report.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

namespace sgverify {

// The program as the user invoked it (argv[0]), so that printed replay commands work when pasted.
inline std::string invoked_program = "sgverify";

// The command that replays the trace file `trace`, quoted for pasting into a POSIX shell. A
// relative path that starts with '-' would read as an option, so it gets "./" in front.
inline std::string trace_replay_command(const std::string& trace) {
  const std::string path = trace.starts_with('-') ? "./" + trace : trace;
  return shell_quote(invoked_program) + " trace replay " + shell_quote(path);
}

// Error for a flag value that the parser rejects, with the complete message. It derives from
// CLI::ParseError so that callers handle it with CLI11's own errors, and not from
// CLI::ValidationError, because CLI11 2.1 would put the flag name in front of the message again.
class InvalidFlagValue : public CLI::ParseError {
 public:
  explicit InvalidFlagValue(const std::string& message) : CLI::ParseError("InvalidFlagValue", message, CLI::ExitCodes::ValidationError) {}
};

// Formats the message for an integer flag value outside min..max or not a whole decimal number,
// such as "invalid --dim '0': use a whole number from 1 to 1000".
template <std::integral T>
std::string integer_flag_message(std::string_view flag, const std::string& text, std::type_identity_t<T> min, std::type_identity_t<T> max) {
  return "invalid " + std::string(flag) + " '" + shortened(text) + "': use a whole number from " + std::to_string(min) + " to " +
         std::to_string(max);
}

// Makes the validator of an integer flag, which accepts only a whole decimal number from min to
// max. CLI11's own conversion clamps values beyond the type's range, reads 010 as octal 8 and
// reports 1e18 only as "Could not convert", so the validator reads the text itself. It throws
// InvalidFlagValue for any other text and rewrites the text in plain decimal for CLI11. Pass it
// to Option::transform, because Option::check hands a validator a copy of the text. --help shows
// the range after the type.
template <std::integral T>
CLI::Validator integer_range(std::string flag, std::type_identity_t<T> min, std::type_identity_t<T> max) {
  const auto check = [flag = std::move(flag), min, max](std::string& text) -> std::string {
    T value{};
    const char* const end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || stop != end || value < min || value > max) {
      throw InvalidFlagValue(integer_flag_message<T>(flag, text, min, max));
    }
    text = std::to_string(value);
    return "";
  };
  return CLI::Validator(check, std::to_string(min) + ".." + std::to_string(max));
}

// Adds the integer option `flag` to `command`, with the validator of integer_range and with its
// default shown in --help.
template <std::integral T>
CLI::Option* add_integer_option(CLI::App& command, const std::string& flag, T& value, const std::string& description,
                                std::type_identity_t<T> min, std::type_identity_t<T> max) {
  return command.add_option(flag, value, description)->transform(integer_range<T>(flag, min, max))->capture_default_str();
}

// Throws InputError with the message of integer_flag_message when value lies outside min..max.
// It serves options that code set rather than the parser, and ranges that depend on another flag,
// which `condition` names, such as "with --proof corollary1".
template <std::integral T>
void check_integer_flag(std::string_view flag, T value, std::type_identity_t<T> min, std::type_identity_t<T> max,
                        std::string_view condition = {}) {
  if (value >= min && value <= max) return;
  std::string message = integer_flag_message<T>(flag, std::to_string(value), min, max);
  if (!condition.empty()) message += " " + std::string(condition);
  throw InputError(message);
}

// The validator of every --seed, a whole number from 0 to 2^64 - 1, for Option::transform.
inline const CLI::Validator seed_range =
    integer_range<std::uint64_t>("--seed", 0, std::numeric_limits<std::uint64_t>::max()).description("0..2^64-1");

// Makes the validator of a path flag such as --data, which rejects an empty path with `fix`.
inline CLI::Validator non_empty_path(const std::string& flag, const std::string& fix) {
  const std::string message = "invalid " + flag + " '': " + fix;
  const auto check = [flag, message](const std::string& text) -> std::string {
    if (text.empty()) throw InvalidFlagValue(message);
    // The path goes into traces and JSON files, which must be UTF-8 and contain no control character.
    const bool control = has_control_character(text);
    if (!valid_utf8(text) || control) {
      throw InvalidFlagValue("invalid " + flag + " '" + shortened(text) + "': the path " +
                             (control ? "contains a control character" : "is not valid UTF-8") + "; rename the file");
    }
    return "";
  };
  return CLI::Validator(check, "");
}

// Makes the validator of --out. It rejects an empty path, and a path that a file blocks, such as
// an existing file or a folder inside one, before the command computes anything. Omitting --out
// writes to `default_folder`.
inline CLI::Validator output_folder_path(const std::string& default_folder) {
  const std::string fix = "give a folder, or omit --out to write to " + default_folder;
  const auto check = [fix](const std::string& text) -> std::string {
    if (text.empty()) throw InvalidFlagValue("invalid --out '': " + fix);
    // The path goes into JSON files, which must be UTF-8.
    if (!valid_utf8(text)) throw InvalidFlagValue("invalid --out '" + shortened(text) + "': the path is not valid UTF-8; choose another folder");
    const std::filesystem::path file = file_in_the_way(text);
    if (!file.empty()) throw InvalidFlagValue("invalid --out '" + text + "': " + file.string() + " is a file, not a folder; " + fix);
    return "";
  };
  return CLI::Validator(check, "");
}

// Exit statuses of the CLI.
inline constexpr int exit_success = 0;       // the command ran; verdicts are in its output
inline constexpr int exit_failure = 1;       // an internal failure, such as gnuplot failing
// exit_bad_input (2), in io/input_error.hpp: an invalid flag value, file or data value.

struct Theorem1Options {
  std::string family = "regression";
  std::int64_t dim = 2;
  std::int64_t samples = 100;
  std::string noise = "0";
  std::string data_file;
  bool standardize = false;
  std::string arithmetic = "double";
  std::int64_t steps = 1000;
  std::string mu = "bound-derived:0.5";
  std::string nu = "line-search";
  std::string start = "paper";
  std::string path;  // empty: the default of the arithmetic
  std::uint64_t seed = 1;
  std::string out = "sgverify-out/theorem1";
  bool json = false;
};

void add_theorem1_options(CLI::App& command, Theorem1Options& options);

// The command line that repeats a theorem1 run (without --out), for reports: the program as the
// user invoked it, then each option, with each word quoted for a POSIX shell.
std::string theorem1_command_line(const Theorem1Options& options);

// Validate the flag values without computing anything, and throw InputError on the first
// invalid one: the run settings (all but the start state and the record schedule), and the
// synthetic family that --family, --dim, --samples and --noise describe.
Theorem1Config theorem1_config_from_options(const Theorem1Options& options);
FamilySpec family_spec_from_options(const Theorem1Options& options);

// Builds the problem, runs it, decides the claims and writes every output into `folder`.
// `log` receives progress lines. Throws InputError on bad input before writing anything.
struct Theorem1Execution {
  std::unique_ptr<Theorem1Problem> problem;
  Theorem1Outcome outcome;
};
Theorem1Execution execute_theorem1(const Theorem1Options& options, const OutputFolder& folder, std::ostream& log);

int run_theorem1_command(const Theorem1Options& options);

struct Corollary1Options {
  std::int64_t depth = 3;
  std::int64_t width = 8;
  std::int64_t input_dim = 0;  // 0: the width
  std::int64_t output_dim = 1;
  std::int64_t sg_layer = 0;   // 0: depth/2 rounded up
  std::int64_t samples = 100;
  std::string schedule = "consistent";
  std::string arithmetic = "double";
  std::int64_t steps = 10000;
  std::string eps = "auto";
  std::string nu = "auto";
  std::uint64_t seed = 1;
  std::string out = "sgverify-out/corollary1";
  bool json = false;
};

void add_corollary1_options(CLI::App& command, Corollary1Options& options);

// The result of execute_corollary1: the claims, the summary and the text that the command prints.
struct Corollary1Execution {
  std::vector<ClaimResult> claims;
  nlohmann::json summary;
  std::string terminal;
};

// Runs Corollary 1 with `options` and writes its files into `folder`, with progress on `log`.
// Throws InputError on bad input before writing anything.
Corollary1Execution execute_corollary1(const Corollary1Options& options, const OutputFolder& folder, std::ostream& log);

int run_corollary1_command(const Corollary1Options& options);

struct RunOptions {
  std::string out = "reports/latest";
  std::string diabetes = "data/diabetes.csv";
  std::uint64_t seed = 1;
  bool json = false;
};

void add_run_options(CLI::App& command, RunOptions& options);

struct AuditOptions {
  std::string proof = "theorem1";
  std::string claim;
  std::int64_t instances = 1000;
  std::uint64_t seed = 1;
  std::string out = "sgverify-out/audit";
  bool json = false;
};

void add_audit_options(CLI::App& command, AuditOptions& options);
// Runs the audit and writes report.md, summary.json and the counterexample traces into `folder`.
std::vector<ClaimResult> execute_audit(const AuditOptions& options, const OutputFolder& folder, std::ostream& log);
int run_audit_command(const AuditOptions& options);
// The audit of Corollary 1, which `execute_audit` dispatches to.
std::vector<ClaimResult> execute_corollary1_audit(const AuditOptions& options, const OutputFolder& folder, std::ostream& log);

struct CriticOptions {
  std::int64_t instances = 20;
  std::int64_t samples = 10;
  std::int64_t dim = 3;
  std::int64_t width = 2;
  std::uint64_t seed = 1;
  std::string out = "sgverify-out/critic";
  bool json = false;
};

void add_critic_options(CLI::App& command, CriticOptions& options);
std::vector<ClaimResult> execute_critic(const CriticOptions& options, const OutputFolder& folder, std::ostream& log);
int run_critic_command(const CriticOptions& options);

struct CriticalPointsOptions {
  std::int64_t starts = 20;
  std::int64_t steps = 2000;
  std::string mu = "1/64";
  std::string nu = "1/8";
  std::uint64_t seed = 1;
  std::string out = "sgverify-out/critical-points";
  bool json = false;
};

void add_critical_points_options(CLI::App& command, CriticalPointsOptions& options);
std::vector<ClaimResult> execute_critical_points(const CriticalPointsOptions& options, const OutputFolder& folder, std::ostream& log);
int run_critical_points_command(const CriticalPointsOptions& options);

struct TraceOptions {
  std::string action;  // show or replay
  std::string file;
  double time_limit = 600;  // seconds a replay may run; 0 for no limit
};

void add_trace_options(CLI::App& command, TraceOptions& options);
int run_trace_command(const TraceOptions& options);

struct Theorem2Options {
  std::uint64_t seed = 1;
  std::int64_t instances = 200;
  std::string out = "sgverify-out/theorem2";
  bool json = false;
};

void add_theorem2_options(CLI::App& command, Theorem2Options& options);
// Decides the T2.* claims and writes report.md, summary.json, the plots and a trace per construction into `folder`.
std::vector<ClaimResult> execute_theorem2(const Theorem2Options& options, const OutputFolder& folder, std::ostream& log);
int run_theorem2_command(const Theorem2Options& options);
// The audits of Theorem 2 and Proposition 2, which `execute_audit` dispatches to.
bool is_second_batch_proof(const std::string& proof);
std::vector<ClaimResult> execute_second_batch_audit(const AuditOptions& options, const OutputFolder& folder, std::ostream& log);
// Traces of the Theorem 2 constructions, which `trace show` and `trace replay` dispatch to.
bool is_theorem2_trace(const std::filesystem::path& path);
int run_theorem2_trace(const TraceOptions& options);
int run_main_job(const RunOptions& options);

struct Table2Options {
  bool quick = false;
  std::int64_t datasets = 0;  // 0: the preset's value
  std::vector<std::string> rows;
  std::int64_t threads = 2;
  std::uint64_t seed = 1;
  std::int64_t width = 10;
  std::string placement = "every";
  std::int64_t max_steps = 0;  // 0: the preset's value
  std::string out = "sgverify-out/table2";
  bool json = false;
};

void add_table2_options(CLI::App& command, Table2Options& options);
// Runs the table and writes its outputs into `folder`; prints the table when `print` is set.
std::vector<ClaimResult> execute_table2(const Table2Options& options, const OutputFolder& folder, std::ostream& log, bool print);
int run_table2_command(const Table2Options& options);

}  // namespace sgverify
