// Typed access to the fields of untrusted JSON objects such as trace headers: a missing field or a
// value of the wrong type becomes an InputError that names the field, never a JSON exception.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace sgverify {

// Required fields. `where` names the object in messages, such as "t.jsonl, header".
const nlohmann::json& field(const nlohmann::json& object, const char* name, const std::string& where);
std::string string_field(const nlohmann::json& object, const char* name, const std::string& where);
std::int64_t integer_field(const nlohmann::json& object, const char* name, const std::string& where);
// A whole number from 0 to 2^64 - 1, such as a seed.
std::uint64_t unsigned_field(const nlohmann::json& object, const char* name, const std::string& where);

// Optional fields: `fallback` when the field is absent, InputError when it has another type.
std::string optional_string_field(const nlohmann::json& object, const char* name, const std::string& fallback, const std::string& where);
std::int64_t optional_integer_field(const nlohmann::json& object, const char* name, std::int64_t fallback, const std::string& where);
double optional_number_field(const nlohmann::json& object, const char* name, double fallback, const std::string& where);

// Maximum size of a trace file, and maximum JSON values (numbers, strings, lists, objects) in one
// trace. The reader keeps the whole parsed file, and a parsed value takes tens of bytes, so a file
// of many tiny values could otherwise take many times its size in memory (an estimate).
inline constexpr std::uintmax_t max_trace_bytes = std::uintmax_t{1} << 30;
inline constexpr std::size_t max_trace_values = 20'000'000;

// Parses one line of a trace, and returns a discarded value when the line is not JSON. Each call
// subtracts the values it read from `values_left`, and throws InputError naming `where` when
// `values_left` would drop below 0.
nlohmann::json parse_trace_line(const std::string& line, std::size_t& values_left, const std::string& where);

// The version of the trace format that this sgverify writes and reads (docs/trace-format.md).
inline constexpr int trace_format_version = 1;

// Checks a trace header's "format" and "version" fields. Throws InputError when either is
// missing, of the wrong type or not this sgverify's.
void check_trace_format(const nlohmann::json& header, const std::string& where);

// The recorded outcome of a counterexample header: its 'verdict' and 'level' fields. The verdict
// is confirmed, refuted or inconclusive, and the level exact, certified or numerical.
struct RecordedOutcome {
  std::string verdict, level;
};
RecordedOutcome recorded_outcome(const nlohmann::json& header, const std::string& where);

// Reads the first line of a trace file as a JSON object. Throws InputError otherwise.
nlohmann::json read_trace_header(const std::filesystem::path& path);

// Returns the string "kind" of a trace's first line, or "" when the file is not a readable regular
// file or its first line is not a JSON object with a string "kind".
std::string trace_kind(const std::filesystem::path& path);

}  // namespace sgverify
