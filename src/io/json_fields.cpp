#include "io/json_fields.hpp"

#include "io/input_error.hpp"
#include "io/utf8.hpp"

#include <fmt/format.h>

#include <fstream>
#include <limits>
#include <optional>
#include <utility>

namespace sgverify {

namespace {

// What to do about a trace that lacks a field or has one of the wrong type.
constexpr const char* damaged_hint = "; the trace was edited or damaged, so write it again with the command that made it";

// Parses the first line of a file, which may be discarded JSON. Returns nothing when the file is
// not a regular file, cannot be opened or is empty; throws InputError when it is too large.
std::optional<nlohmann::json> parse_first_line(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > max_trace_bytes) throw InputError("cannot read trace " + path.string() + ": larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  std::size_t values_left = max_trace_values;
  return parse_trace_line(line, values_left, path.string() + ", line 1");
}

}  // namespace

namespace {

// A SAX handler that only counts values. It stops the parse (returns false) once the count would
// pass `values_left`. The parse with a counting callback took time quadratic in the length of an
// array of objects, because the library scans the parent array after each object.
struct ValueCounter {
  std::size_t& values_left;
  bool exceeded = false;

  bool count() {
    if (values_left == 0) {
      exceeded = true;
      return false;
    }
    --values_left;
    return true;
  }
  bool null() { return count(); }
  bool boolean(bool) { return count(); }
  bool number_integer(nlohmann::json::number_integer_t) { return count(); }
  bool number_unsigned(nlohmann::json::number_unsigned_t) { return count(); }
  bool number_float(nlohmann::json::number_float_t, const std::string&) { return count(); }
  bool string(std::string&) { return count(); }
  bool binary(nlohmann::json::binary_t&) { return count(); }
  bool start_object(std::size_t) { return count(); }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return count(); }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }
};

}  // namespace

nlohmann::json parse_trace_line(const std::string& line, std::size_t& values_left, const std::string& where) {
  // Counting first keeps memory bounded: the line is only built into a JSON value once its count fits.
  ValueCounter counter{values_left};
  nlohmann::json::sax_parse(line, &counter);
  if (counter.exceeded) {
    throw InputError(fmt::format("{}: the trace contains more than {} JSON values, more than any trace sgverify writes; it is damaged or "
                                 "was not written by sgverify",
                                 where, max_trace_values));
  }
  return nlohmann::json::parse(line, nullptr, false);
}

const nlohmann::json& field(const nlohmann::json& object, const char* name, const std::string& where) {
  if (!object.is_object() || !object.contains(name)) throw InputError(where + ": missing field '" + name + "'" + damaged_hint);
  return object.at(name);
}

std::string string_field(const nlohmann::json& object, const char* name, const std::string& where) {
  const nlohmann::json& value = field(object, name, where);
  if (!value.is_string()) throw InputError(where + ": field '" + std::string(name) + "' must be a string" + damaged_hint);
  // sgverify writes no control character into a trace, and one printed by show or replay would act
  // on the terminal.
  const std::string& text = value.get_ref<const std::string&>();
  if (has_control_character(text)) {
    throw InputError(where + ": field '" + std::string(name) + "' '" + shortened(text) + "' contains a control character" + damaged_hint);
  }
  return text;
}

std::int64_t integer_field(const nlohmann::json& object, const char* name, const std::string& where) {
  const nlohmann::json& value = field(object, name, where);
  if (!value.is_number_integer()) throw InputError(where + ": field '" + std::string(name) + "' must be an integer" + damaged_hint);
  // An unsigned value above 2^63 - 1 would read as a negative one.
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw InputError(where + ": field '" + std::string(name) + "' " + value.dump() + " is too large" + damaged_hint);
  }
  return value.get<std::int64_t>();
}

std::uint64_t unsigned_field(const nlohmann::json& object, const char* name, const std::string& where) {
  const nlohmann::json& value = field(object, name, where);
  if (!value.is_number_unsigned()) {
    throw InputError(where + ": field '" + std::string(name) + "' must be a whole number from 0 to 2^64 - 1" + damaged_hint);
  }
  return value.get<std::uint64_t>();
}

std::string optional_string_field(const nlohmann::json& object, const char* name, const std::string& fallback, const std::string& where) {
  if (!object.is_object() || !object.contains(name)) return fallback;
  return string_field(object, name, where);
}

std::int64_t optional_integer_field(const nlohmann::json& object, const char* name, std::int64_t fallback, const std::string& where) {
  if (!object.is_object() || !object.contains(name)) return fallback;
  return integer_field(object, name, where);
}

double optional_number_field(const nlohmann::json& object, const char* name, double fallback, const std::string& where) {
  if (!object.is_object() || !object.contains(name)) return fallback;
  const nlohmann::json& value = object.at(name);
  if (!value.is_number()) throw InputError(where + ": field '" + std::string(name) + "' must be a number" + damaged_hint);
  return value.get<double>();
}

void check_trace_format(const nlohmann::json& header, const std::string& where) {
  if (string_field(header, "format", where) != "sgverify-trace") throw InputError(where + ": not an sgverify trace (its format field is not 'sgverify-trace')");
  const std::int64_t version = integer_field(header, "version", where);
  if (version != trace_format_version) {
    throw InputError(fmt::format("{}: trace format version {} is not supported; this sgverify reads version {}", where, version,
                                 trace_format_version));
  }
}

nlohmann::json read_trace_header(const std::filesystem::path& path) {
  std::optional<nlohmann::json> header = parse_first_line(path);
  if (!header) throw InputError("cannot read trace " + path.string() + ": no such regular file, unreadable or empty");
  if (header->is_discarded() || !header->is_object()) throw InputError(path.string() + ", line 1: not a JSON object");
  return std::move(*header);
}

std::string trace_kind(const std::filesystem::path& path) {
  const std::optional<nlohmann::json> header = parse_first_line(path);
  if (!header || !header->is_object() || !header->contains("kind") || !(*header)["kind"].is_string()) return "";
  return (*header)["kind"].get<std::string>();
}

RecordedOutcome recorded_outcome(const nlohmann::json& header, const std::string& where) {
  RecordedOutcome outcome{string_field(header, "verdict", where), string_field(header, "level", where)};
  const std::string edited = "no sgverify run writes such a trace, so it was edited or damaged";
  if (outcome.verdict != "confirmed" && outcome.verdict != "refuted" && outcome.verdict != "inconclusive") {
    throw InputError(fmt::format("{}: invalid field 'verdict' '{}': use confirmed, refuted or inconclusive; {}", where,
                                 shortened(outcome.verdict), edited));
  }
  if (outcome.level != "exact" && outcome.level != "certified" && outcome.level != "numerical") {
    throw InputError(fmt::format("{}: invalid field 'level' '{}': use exact, certified or numerical; {}", where, shortened(outcome.level),
                                 edited));
  }
  return outcome;
}

}  // namespace sgverify
