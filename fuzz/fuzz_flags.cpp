// Fuzz target of the flag parser: the input, split at newlines, is the argument list of
// `sgverify theorem1`. CLI11 parses it and the command's validation runs, without generating data
// or iterating. Each argument also goes through every value parser directly. Every input must
// end in a parsed configuration, a CLI11 ParseError or an InputError.
#include "cli/commands.hpp"
#include "io/input_error.hpp"
#include "numeric/arithmetic.hpp"
#include "numeric/rational.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

// Each value parser on one argument; an InputError is the expected outcome for most inputs.
void parse_each_way(const std::string& argument) {
  const auto attempt = [](auto&& parse) {
    try {
      parse();
    } catch (const sgverify::InputError&) {
    }
  };
  attempt([&] { sgverify::parse_rational(argument, "value"); });
  attempt([&] { sgverify::parse_arithmetic(argument); });
  attempt([&] { sgverify::parse_mu_schedule(argument); });
  attempt([&] { sgverify::parse_nu_schedule(argument); });
  attempt([&] { sgverify::parse_family(argument); });
  attempt([&] { sgverify::parse_start(argument); });
  attempt([&] { sgverify::parse_path(argument); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> arguments{"sgverify", "theorem1"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      arguments.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  arguments.push_back(current);
  for (std::size_t i = 2; i < arguments.size(); ++i) parse_each_way(arguments[i]);

  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  CLI::App app{"sgverify"};
  sgverify::Theorem1Options options;
  CLI::App* theorem1 = app.add_subcommand("theorem1", "Theorem 1");
  sgverify::add_theorem1_options(*theorem1, options);
  try {
    app.parse(static_cast<int>(arguments.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return 0;
  }
  try {
    sgverify::theorem1_config_from_options(options);
    // A --data file is read only by the CSV target; the flag parser never opens files.
    if (options.data_file.empty()) sgverify::family_spec_from_options(options);
  } catch (const sgverify::InputError&) {
  }
  return 0;
}
