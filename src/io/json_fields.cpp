#include "io/json_fields.hpp"

#include "io/input_error.hpp"

#include <fmt/format.h>

#include <fstream>
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

nlohmann::json parse_trace_line(const std::string& line, std::size_t& values_left, const std::string& where) {
  const nlohmann::json::parser_callback_t count = [&values_left, &where](int, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if (event == nlohmann::json::parse_event_t::value || event == nlohmann::json::parse_event_t::object_start ||
        event == nlohmann::json::parse_event_t::array_start) {
      if (values_left == 0) {
        throw InputError(fmt::format("{}: the trace contains more than {} JSON values, more than any trace sgverify writes; it is damaged or was not written by sgverify", where,
                                     max_trace_values));
      }
      --values_left;
    }
    return true;
  };
  return nlohmann::json::parse(line, count, false);
}

const nlohmann::json& field(const nlohmann::json& object, const char* name, const std::string& where) {
  if (!object.is_object() || !object.contains(name)) throw InputError(where + ": missing field '" + name + "'" + damaged_hint);
  return object.at(name);
}

std::string string_field(const nlohmann::json& object, const char* name, const std::string& where) {
  const nlohmann::json& value = field(object, name, where);
  if (!value.is_string()) throw InputError(where + ": field '" + std::string(name) + "' must be a string" + damaged_hint);
  return value.get<std::string>();
}

std::int64_t integer_field(const nlohmann::json& object, const char* name, const std::string& where) {
  const nlohmann::json& value = field(object, name, where);
  if (!value.is_number_integer()) throw InputError(where + ": field '" + std::string(name) + "' must be an integer" + damaged_hint);
  return value.get<std::int64_t>();
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

}  // namespace sgverify
