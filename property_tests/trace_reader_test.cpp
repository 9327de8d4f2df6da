// Trace readers on hostile input: oversized numbers, truncated files, and size fields that ask for
// far more memory than the file holds. Each must end in an InputError.
#include "io/corollary1_trace.hpp"
#include "io/input_error.hpp"
#include "io/trace_reader.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace sgverify::testing {
namespace {

const std::string counterexample_folder = std::string(SGVERIFY_DATA_DIR) + "/../property_tests/counterexamples";

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of the InputError that `read` throws, or a failed check when it throws none.
template <class Read>
std::string input_error_message(Read&& read) {
  try {
    read();
  } catch (const InputError& error) {
    return error.what();
  }
  FAIL("no InputError");
  return {};
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

nlohmann::json first_line_json(const std::string& text) { return nlohmann::json::parse(text.substr(0, text.find('\n'))); }

}  // namespace

TEST_CASE("parse_trace matches read_trace") {
  const std::string path = counterexample_folder + "/T1-global-attraction.jsonl";
  const LoadedTrace from_file = read_trace(path);
  const LoadedTrace from_text = parse_trace(file_text(path), path);
  CHECK(from_text.kind == from_file.kind);
  CHECK(from_text.header == from_file.header);
  CHECK(from_text.steps == from_file.steps);
  CHECK(from_text.W_star == from_file.W_star);
  CHECK(from_text.config.start.omega == from_file.config.start.omega);
}

TEST_CASE("million-digit trace value rejected") {
  nlohmann::json header = first_line_json(file_text(counterexample_folder + "/T1-global-attraction.jsonl"));
  header["instance"]["X"][0][0] = std::string(1'000'000, '7') + "/3";
  const std::string message = input_error_message([&] { parse_trace(header.dump() + "\n", "huge.jsonl"); });
  CHECK(contains(message, "sample 1 entry 1"));
  CHECK(contains(message, "more than 100000 digits"));
}

TEST_CASE("truncated traces rejected") {
  const std::string text = file_text(counterexample_folder + "/T1-global-attraction.jsonl");
  for (const std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{100}, text.size() / 2, text.size() - 2}) {
    INFO("first " << length << " bytes");
    const std::string message = input_error_message([&] { parse_trace(text.substr(0, length), "cut.jsonl"); });
    CHECK((contains(message, "malformed or truncated") || contains(message, "the trace is empty")));
  }
}

// Regression: the reader allocated the d x S matrix X before checking the samples' lengths, so
// 1000 empty samples and 10^4 feature names (about 33 kB) made it allocate 10^7 rationals. The
// largest instance within the limits, 10^6 values, is rejected the same way.
TEST_CASE("short trace samples rejected before allocation") {
  nlohmann::json header = first_line_json(file_text(counterexample_folder + "/T1-global-attraction.jsonl"));
  nlohmann::json& instance = header["instance"];
  instance["d"] = 1'000;
  instance["S"] = 1'000;
  instance["features"] = nlohmann::json::array();
  for (int i = 0; i < 1'000; ++i) instance["features"].push_back("");
  instance["X"] = nlohmann::json::array();
  for (int s = 0; s < 1'000; ++s) instance["X"].push_back(nlohmann::json::array());
  const std::string message = input_error_message([&] { parse_trace(header.dump() + "\n", "short.jsonl"); });
  CHECK(contains(message, "sample 1: expected a list of 1000 numbers"));
}

// The reader applies the limits of `sgverify theorem1`, so it accepts no instance that no run writes.
TEST_CASE("trace instance beyond theorem1 limits rejected") {
  nlohmann::json header = first_line_json(file_text(counterexample_folder + "/T1-global-attraction.jsonl"));
  for (const auto& [dim, samples] : {std::pair{1'001, 1}, std::pair{1'000, 1'001}, std::pair{1, 1'000'001}}) {
    INFO("d = " << dim << ", S = " << samples);
    header["instance"]["d"] = dim;
    header["instance"]["S"] = samples;
    const std::string message = input_error_message([&] { parse_trace(header.dump() + "\n", "large.jsonl"); });
    CHECK(contains(message, "large.jsonl, header, instance"));
    CHECK(contains(message, "exceed the Theorem 1 limits (d at most 1000, S at most 1000000, d·S at most 1000000)"));
    CHECK(contains(message, "edited or damaged"));
  }
}

TEST_CASE("trace arithmetic beyond theorem1 limits rejected") {
  nlohmann::json header = first_line_json(file_text(counterexample_folder + "/T1-global-attraction.jsonl"));
  header["parameters"]["arithmetic"] = "mpfr:300001";
  const std::string message = input_error_message([&] { parse_trace(header.dump() + "\n", "wide.jsonl"); });
  CHECK(contains(message, "wide.jsonl, header, parameters: invalid field 'arithmetic' 'mpfr:300001': BITS must be an integer from 24 to 300000"));
}

// Regression: the Corollary 1 reader allocated rows x cols rationals before checking the rows'
// lengths, so a matrix of 2000 empty rows with cols = 100000 asked for 2 * 10^8 rationals. X may
// have that many columns (one per sample).
TEST_CASE("short corollary1 rows rejected before allocation") {
  nlohmann::json header = first_line_json(file_text(counterexample_folder + "/C1-gate-iff-literal.jsonl"));
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < 2'000; ++i) rows.push_back(nlohmann::json::array());
  header["X"] = {{"rows", 2'000}, {"cols", 100'000}, {"entries", rows}};
  const std::filesystem::path path = std::filesystem::temp_directory_path() / ("sgverify-short-rows-" + std::to_string(getpid()) + ".jsonl");
  std::ofstream(path) << header.dump() << "\n";
  const std::string message = input_error_message([&] { replay_corollary1_trace(path); });
  std::filesystem::remove(path);
  CHECK(contains(message, "row 1 must hold 100000 entries"));
}

}  // namespace sgverify::testing
