// Reading a data set from CSV: a header row, one sample a row, numbers only, the last column
// is the target. Values are rounded to the dyadic grid after the optional standardization.
#pragma once

#include "data/dataset.hpp"

#include <filesystem>
#include <string>

namespace sgverify {

struct CsvOptions {
  bool standardize = false;
  unsigned grid_bits = default_grid_bits;
};

// Throws InputError with the file, line and column of the first problem.
Dataset read_csv_dataset(const std::filesystem::path& path, const CsvOptions& options);

// The same, from text already in memory; `name` stands for the file in messages.
Dataset parse_csv_dataset(const std::string& text, const std::string& name, const CsvOptions& options);

}  // namespace sgverify
