#include "io/csv.hpp"

#include "io/input_error.hpp"
#include "io/utf8.hpp"
#include "numeric/rational.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace sgverify {

namespace {

// Limits that keep a hostile file from exhausting memory: 1 GiB of text, 100,000 columns.
constexpr std::uintmax_t max_file_bytes = std::uintmax_t{1} << 30;
constexpr std::size_t max_columns = 100'000;

std::string trim(const std::string& text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream stream(line);
  while (std::getline(stream, field, ',')) {
    fields.push_back(trim(field));
    if (fields.size() > max_columns) break;
  }
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

bool is_non_finite_word(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.erase(0, 1);
  return text == "nan" || text == "inf" || text == "infinity";
}

// Reads one field exactly. `where` gives the file, line and column, and every message quotes the
// field as written in the file.
Rational parse_field(const std::string& field, const std::string& where) {
  if (is_non_finite_word(field)) throw InputError(where + ": value '" + shortened(field) + "' is not finite; remove the sample or fill in a number");
  if (field.empty()) throw InputError(where + ": the value is missing; fill in a number or remove the sample");
  try {
    return parse_rational(field, "value");
  } catch (const InputError& error) {
    throw InputError(where + ": " + error.what());
  }
}

// Rejects a value that is too large to keep exact: each value is rounded to the grid 2^-grid_bits,
// and a double must hold the result exactly.
void check_field_range(const Rational& value, const std::string& field, const std::string& where, bool is_target, unsigned grid_bits) {
  if (fits_double_on_grid(value, grid_bits)) return;
  const int exponent = 53 - static_cast<int>(grid_bits);
  throw InputError(fmt::format("{}: value '{}' is out of range: values are kept as multiples of 2^-{}, which a double "
                               "represents exactly only below 2^{} (about {:.2g}) in magnitude; {}",
                               where, shortened(field), grid_bits, exponent, std::ldexp(1.0, exponent),
                               is_target ? "rescale the target column in the file (--standardize rescales only the features)"
                                         : "rescale the column or pass --standardize"));
}

// Rejects a nonzero value that rounds to 0 on the grid 2^-grid_bits, because the verdict would then
// be about data without it. Smaller changes of a value by rounding are part of the documented grid.
void check_field_not_rounded_to_zero(const Rational& value, const std::string& field, const std::string& where, bool is_target, unsigned grid_bits) {
  if (value == 0 || round_to_dyadic(value, grid_bits) != 0) return;
  throw InputError(fmt::format("{}: value '{}' rounds to 0: values are kept as multiples of 2^-{} (about {:.2g}), so a "
                               "nonzero value below 2^-{} in magnitude is lost; {}",
                               where, shortened(field), grid_bits, std::ldexp(1.0, -static_cast<int>(grid_bits)), grid_bits + 1,
                               is_target ? "rescale the target column in the file (--standardize rescales only the features), or write 0"
                                         : "rescale the column in the file, pass --standardize, or write 0"));
}

// Rejects a header that names two columns alike, because the names identify the features and
// the target in reports. `line` is the header's line number.
void check_unique_names(const std::vector<std::string>& header, const std::string& name, std::size_t line) {
  std::unordered_map<std::string, std::size_t> first_column;
  for (std::size_t column = 0; column < header.size(); ++column) {
    const auto [known, inserted] = first_column.emplace(header[column], column);
    if (inserted) continue;
    throw InputError(fmt::format("{}, line {}: the column name '{}' appears in columns {} and {}; give each column its own name",
                                 name, line, shortened(header[column]), known->second + 1, column + 1));
  }
}

// Rejects a column name that is not valid UTF-8 or contains a control character: the names go
// into JSON files, which must be UTF-8, and onto the terminal.
void check_name_text(const std::vector<std::string>& header, const std::string& name, std::size_t line) {
  for (std::size_t column = 0; column < header.size(); ++column) {
    const std::string& text = header[column];
    const bool control = has_control_character(text);
    if (!valid_utf8(text) || control) {
      throw InputError(fmt::format("{}, line {}, column {}: the column name '{}' {}; rename the column", name, line, column + 1,
                                   shortened(text), control ? "contains a control character" : "is not valid UTF-8"));
    }
  }
}

// Names the kind of a file that is not a regular file, for a message.
std::string file_kind(std::filesystem::file_type type) {
  switch (type) {
    case std::filesystem::file_type::directory:
      return "a folder";
    case std::filesystem::file_type::character:
      return "a character device";
    case std::filesystem::file_type::block:
      return "a block device";
    case std::filesystem::file_type::fifo:
      return "a FIFO (named pipe)";
    case std::filesystem::file_type::socket:
      return "a socket";
    default:
      return "a special file";
  }
}

}  // namespace

Dataset parse_csv_dataset(const std::string& text, const std::string& name, const CsvOptions& options) {
  std::istringstream stream(text);
  std::string line;
  std::size_t line_number = 0;
  std::vector<std::string> header;
  while (header.empty() && std::getline(stream, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!trim(line).empty()) header = split_fields(line);
  }
  if (header.empty()) throw InputError(name + ": the file is empty; expected a header row and at least one sample");
  if (header.size() > max_columns) throw InputError(fmt::format("{}: more than {} columns", name, max_columns));
  if (header.size() < 2) {
    throw InputError(fmt::format("{}, line {}: the header has {} column; expected at least one feature and the target "
                                 "as the last column, separated by commas",
                                 name, line_number, header.size()));
  }

  check_unique_names(header, name, line_number);
  check_name_text(header, name, line_number);

  const std::size_t columns = header.size();
  std::vector<std::vector<Rational>> rows;
  while (std::getline(stream, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    const std::vector<std::string> fields = split_fields(line);
    if (fields.size() != columns) {
      throw InputError(fmt::format("{}, line {}: {} fields where the header has {}; every row needs one value per column",
                                   name, line_number, fields.size(), columns));
    }
    std::vector<Rational> row;
    row.reserve(columns);
    for (std::size_t column = 0; column < columns; ++column) {
      const std::string where = fmt::format("{}, line {}, column {} ('{}')", name, line_number, column + 1, shortened(header[column]));
      row.push_back(parse_field(fields[column], where));
      // The target is rounded to the grid as read, and so are the features unless they are standardized first.
      const bool is_target = column + 1 == columns;
      if (is_target || !options.standardize) {
        check_field_range(row.back(), fields[column], where, is_target, options.grid_bits);
        check_field_not_rounded_to_zero(row.back(), fields[column], where, is_target, options.grid_bits);
      }
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw InputError(name + ": the file has a header but no samples; expected at least one data row");

  Dataset data;
  data.source = name;
  data.grid_bits = options.grid_bits;
  data.feature_names.assign(header.begin(), header.end() - 1);
  data.target_name = header.back();
  data.target_encoding = "the values of column '" + data.target_name + "', rounded to the grid";
  const auto samples = static_cast<Eigen::Index>(rows.size());
  const auto dim = static_cast<Eigen::Index>(columns - 1);
  data.X.resize(dim, samples);
  data.y.resize(samples);
  for (Eigen::Index s = 0; s < samples; ++s) {
    const auto& row = rows[static_cast<std::size_t>(s)];
    for (Eigen::Index i = 0; i < dim; ++i) data.X(i, s) = row[static_cast<std::size_t>(i)];
    data.y(s) = round_to_dyadic(row.back(), options.grid_bits);
  }
  if (options.standardize) {
    standardize_features(data);
    data.source += " (features standardized)";
  } else {
    for (Eigen::Index s = 0; s < samples; ++s)
      for (Eigen::Index i = 0; i < dim; ++i) data.X(i, s) = round_to_dyadic(data.X(i, s), options.grid_bits);
  }
  check_representable(data, name);
  return data;
}

Dataset read_csv_dataset(const std::filesystem::path& path, const CsvOptions& options) {
  const std::string failed = "cannot read data file " + path.string() + ": ";
  std::error_code error;
  const std::filesystem::file_type type = std::filesystem::status(path, error).type();
  // status() reports a missing file, or a path through a file, as not_found with an error code set.
  if (type == std::filesystem::file_type::not_found) throw InputError(failed + "no such file; check the path");
  if (error) throw InputError(failed + "unreadable (" + error.message() + "); check the permissions of its folders");
  if (type != std::filesystem::file_type::regular) throw InputError(failed + "not a regular file but " + file_kind(type) + "; pass a CSV file");
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > max_file_bytes) throw InputError(failed + "larger than 1 GiB or of unknown size");

  // POSIX fopen sets errno, which names the reason of a failure, and std::ifstream does not promise to.
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw InputError(failed + "unreadable (" + std::strerror(errno) + "); check its permissions");
  std::string contents;
  std::vector<char> buffer(std::size_t{1} << 16);
  while (const std::size_t count = std::fread(buffer.data(), 1, buffer.size(), file.get())) {
    contents.append(buffer.data(), count);
    if (contents.size() > max_file_bytes) throw InputError(failed + "larger than 1 GiB");
  }
  if (std::ferror(file.get())) throw InputError(failed + "unreadable (" + std::strerror(errno) + ")");
  return parse_csv_dataset(contents, path.string(), options);
}

}  // namespace sgverify
