// Writing output files so that an interrupted run leaves either the old file or the new one,
// never half of one: write to a temporary name in the same folder, then rename.
#pragma once

#include <filesystem>
#include <string>

namespace sgverify {

void write_file_atomically(const std::filesystem::path& path, const std::string& contents);

// Creates the folder and its parents; throws InputError naming it when that fails.
void create_output_folder(const std::filesystem::path& folder);

}  // namespace sgverify
