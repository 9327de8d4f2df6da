// CSV reading: real data, standardization, and every kind of malformed file.
#include "io/csv.hpp"
#include "io/input_error.hpp"
#include "numeric/rational.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace sgverify::testing {
namespace {

const std::string diabetes_path = std::string(SGVERIFY_DATA_DIR) + "/diabetes.csv";

Dataset parse(const std::string& text) { return parse_csv_dataset(text, "test.csv", CsvOptions{}); }

void check_rejected(const std::string& text, const std::string& expected_fragment) {
  INFO("input: " << text);
  try {
    parse(text);
    FAIL("no InputError for malformed input");
  } catch (const InputError& error) {
    INFO("message: " << error.what());
    CHECK(std::string(error.what()).find(expected_fragment) != std::string::npos);
  }
}

TEST_CASE("diabetes csv reads as 442 samples of 10 features") {
  const Dataset data = read_csv_dataset(diabetes_path, CsvOptions{});
  CHECK(data.dim() == 10);
  CHECK(data.samples() == 442);
  CHECK(data.target_name == "target");
  CHECK(data.X(0, 0) == 59);
  CHECK(data.y(0) == 151);
  CHECK(data.y(441) == 57);
  // 4.8598 is not dyadic: it is rounded to the nearest multiple of 2^-16.
  CHECK(data.X(8, 0) == round_to_dyadic(Rational(48598, 10000), 16));
}

TEST_CASE("standardized features have mean 0 and variance 1") {
  const Dataset data = read_csv_dataset(diabetes_path, CsvOptions{true, 16});
  for (Eigen::Index i = 0; i < data.dim(); ++i) {
    Rational sum(0), squares(0);
    for (Eigen::Index s = 0; s < data.samples(); ++s) {
      sum += data.X(i, s);
      squares += data.X(i, s) * data.X(i, s);
    }
    const double mean = rational_to_double(sum / data.samples());
    const double variance = rational_to_double(squares / data.samples()) - mean * mean;
    // Rounding each value to 2^-16 moves the mean by at most 2^-17.
    CHECK(std::abs(mean) <= 0x1p-17);
    CHECK(std::abs(variance - 1) < 1e-4);
  }
}

TEST_CASE("csv with CRLF line ends and blank lines parses") {
  const Dataset data = parse("a,b,y\r\n1,2,3\r\n\r\n4.5,-1,0.25\r\n");
  CHECK(data.dim() == 2);
  CHECK(data.samples() == 2);
  CHECK(data.X(0, 1) == Rational(9, 2));
  CHECK(data.y(1) == Rational(1, 4));
}

TEST_CASE("malformed csv files are rejected with a clear message") {
  check_rejected("", "empty");
  check_rejected("a,b,y\n", "no samples");
  check_rejected("y\n1\n2\n", "at least one feature");
  check_rejected("a,b,y\n1,2\n", "2 fields where the header has 3");
  check_rejected("a,b,y\n1,2,3,4\n", "4 fields where the header has 3");
  check_rejected("a,b,y\n1,NaN,3\n", "'NaN' is not finite");
  check_rejected("a,b,y\n1,inf,3\n", "not finite");
  check_rejected("a,b,y\n1,-Infinity,3\n", "not finite");
  check_rejected("a,b,y\n1,abc,3\n", "'abc'");
  check_rejected("a,b,y\n1,,3\n", "missing");
  check_rejected("a,b,y\n1,1e500,3\n", "exponent");
  check_rejected("a,b,y\n1,1e300,3\n", "out of range");
  check_rejected("a,b,y\n1,1e30,3\n", "out of range");
}

TEST_CASE("csv value messages quote the text") {
  // A value that a double cannot hold is quoted as written in the file, not shown as inf.
  check_rejected("a,b,y\n1,2,3\n1,1e400,3\n", "test.csv, line 3, column 2 ('b'): value '1e400' is out of range");
  check_rejected("a,b,y\n1,1e400,3\n", "below 2^37");
  check_rejected("a,b,y\n1,1e400,3\n", "rescale the column or pass --standardize");
  check_rejected("a,b,y\n1,2,-2.5E+20\n", "column 3 ('y'): value '-2.5E+20' is out of range");
  check_rejected("a,b,y\n1,2,-2.5E+20\n", "rescale the target column");
  check_rejected("a,b,y\n1,2,3\n1,-1e401,3\n", "test.csv, line 3, column 2 ('b'): invalid value '-1e401': the exponent");
  check_rejected("a,b,y\n1,+INF,3\n", "line 2, column 2 ('b'): value '+INF' is not finite");
  check_rejected("a,b,y\n1,x1,3\n", "line 2, column 2 ('b'): invalid value 'x1'");
}

TEST_CASE("csv target message names the file as the fix") {
  // --standardize rescales only the features, so the message for a target must not offer it.
  const std::string text = "a,y\n1,1e15\n2,1\n";
  for (const bool standardize : {false, true}) {
    INFO("standardize: " << standardize);
    try {
      parse_csv_dataset(text, "test.csv", CsvOptions{standardize, 16});
      FAIL("no InputError for a target of 1e15");
    } catch (const InputError& error) {
      const std::string message = error.what();
      INFO("message: " << message);
      CHECK(message.find("rescale the target column in the file (--standardize rescales only the features)") != std::string::npos);
      CHECK(message.find("pass --standardize") == std::string::npos);
    }
  }
}

TEST_CASE("csv values that round to 0 are rejected") {
  check_rejected("a,b,y\n1,2,3\n4,5,1e-20\n", "test.csv, line 3, column 3 ('y'): value '1e-20' rounds to 0");
  check_rejected("a,b,y\n1,2,1e-20\n", "below 2^-17 in magnitude is lost; rescale the target column in the file");
  check_rejected("a,b,y\n1e-20,2,3\n", "line 2, column 1 ('a'): value '1e-20' rounds to 0");
  check_rejected("a,b,y\n1e-20,2,3\n", "rescale the column in the file, pass --standardize, or write 0");
  check_rejected("a,b,y\n1,-1/1000000,3\n", "column 2 ('b'): value '-1/1000000' rounds to 0");
  // 2^-17 - 2^-40, written exactly, is just below half a grid step.
  check_rejected("a,y\n0.0000076293936217552982270717620849609375,1\n", "rounds to 0");
  CHECK_THROWS_AS(parse_csv_dataset("a,y\n1,2\n2,1e-20\n", "tiny.csv", CsvOptions{true, 16}), InputError);
}

TEST_CASE("csv zero and half a grid step are kept") {
  // 2^-17 = 0.00000762939453125 is half a grid step and rounds away from zero to 2^-16.
  const Dataset data = parse("a,y\n0.00000762939453125,0\n-0.00000762939453125,-0.0\n0,0e5\n");
  CHECK(data.X(0, 0) == Rational(1, 65536));
  CHECK(data.X(0, 1) == Rational(-1, 65536));
  CHECK(data.X(0, 2) == 0);
  CHECK(data.y(0) == 0);
  CHECK(data.y(1) == 0);
  CHECK(data.y(2) == 0);
}

TEST_CASE("csv tiny feature kept by standardization") {
  // Standardization rescales the column before rounding, so 1e-20 is far from 0 in its column.
  const Dataset data = parse_csv_dataset("a,y\n1e-20,1\n-1e-20,2\n", "tiny.csv", CsvOptions{true, 16});
  CHECK(data.X(0, 0) == 1);
  CHECK(data.X(0, 1) == -1);
}

TEST_CASE("csv duplicate column names are rejected") {
  check_rejected("a,b,a,y\n1,2,3,4\n", "test.csv, line 1: the column name 'a' appears in columns 1 and 3");
  check_rejected("a,b,a,y\n1,2,3,4\n", "give each column its own name");
  check_rejected("\ny,b,y\n1,2,3\n", "test.csv, line 2: the column name 'y' appears in columns 1 and 3");
  check_rejected("a, b ,b,y\n1,2,3,4\n", "the column name 'b' appears in columns 2 and 3");
  const Dataset data = parse("a,A,y\n1,2,3\n");
  CHECK(data.feature_names == std::vector<std::string>{"a", "A"});
}

TEST_CASE("csv range limit is 2^37 on the grid 2^-16") {
  // 2^37 - 2^-16 is the largest multiple of 2^-16 with 53 bits; 2^37 - 2^-18 rounds up to 2^37.
  CHECK(parse("a,y\n137438953471.9999847412109375,1\n").X(0, 0) == Rational(137438953471) + Rational(65535, 65536));
  check_rejected("a,y\n137438953471.99999618530273437,1\n", "out of range");
  check_rejected("a,y\n137438953472,1\n", "out of range");
}

TEST_CASE("csv features standardized before the range check") {
  const Dataset data = parse_csv_dataset("a,y\n1e30,1\n-1e30,2\n", "large.csv", CsvOptions{true, 16});
  CHECK(data.X(0, 0) == 1);
  CHECK(data.X(0, 1) == -1);
  CHECK_THROWS_AS(parse_csv_dataset("a,y\n1,1e30\n2,1\n", "large.csv", CsvOptions{true, 16}), InputError);
}

TEST_CASE("constant feature cannot be standardized") {
  CHECK_THROWS_AS(parse_csv_dataset("a,y\n1,2\n1,3\n", "const.csv", CsvOptions{true, 16}), InputError);
}

TEST_CASE("missing csv file is rejected") {
  CHECK_THROWS_AS(read_csv_dataset("/nonexistent/file.csv", CsvOptions{}), InputError);
}

// The message of the InputError that read_csv_dataset throws for `path`, or a failed check.
std::string read_error(const std::filesystem::path& path) {
  try {
    read_csv_dataset(path, CsvOptions{});
  } catch (const InputError& error) {
    return error.what();
  }
  FAIL("no InputError for " << path);
  return "";
}

TEST_CASE("csv path kinds get their own message") {
  CHECK(read_error("/nonexistent/file.csv") == "cannot read data file /nonexistent/file.csv: no such file; check the path");
  CHECK(read_error(diabetes_path + "/below-a-file.csv").find(": no such file") != std::string::npos);
  CHECK(read_error(SGVERIFY_DATA_DIR).find(": not a regular file but a folder; pass a CSV file") != std::string::npos);
  CHECK(read_error("/dev/null").find(": not a regular file but a character device") != std::string::npos);
}

}  // namespace
}  // namespace sgverify::testing
