// Fuzz target of the CSV reader: any text must give a data set or an InputError, never a crash,
// a hang or an allocation out of proportion to the text.
#include "io/csv.hpp"
#include "io/input_error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The first byte picks the options, so that both the rounding and the standardization paths run.
  const bool standardize = size > 0 && (data[0] & 1) != 0;
  try {
    sgverify::parse_csv_dataset(text, "fuzz.csv", sgverify::CsvOptions{standardize, sgverify::default_grid_bits});
  } catch (const sgverify::InputError&) {
  }
  return 0;
}
