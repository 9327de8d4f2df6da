// Writing output files so that an interrupted run leaves either the old file or the new one,
// never half of one: write to a temporary name in the same folder, then rename.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sgverify {

void write_file_atomically(const std::filesystem::path& path, const std::string& contents);

// Creates the folder and its parents; throws InputError naming it when that fails.
void create_output_folder(const std::filesystem::path& folder);

// Returns the first of `folder` and its parents that exists but is not a folder, such as a regular
// file, because such a path stops the folder from being created. Returns an empty path when there is none.
std::filesystem::path file_in_the_way(const std::filesystem::path& folder);

// Returns `path` with the name of each staging folder of this process (see StagedFolder) replaced
// by the name of its destination, so that messages name the folder that the user gave.
std::filesystem::path path_for_messages(const std::filesystem::path& path);

// A command's outputs are written into a staging folder beside the destination and moved into
// it by commit(), so a command that fails part-way (a gnuplot error, say) leaves the destination
// as it was. commit() first removes the destination's files whose names start with one of
// `owned_prefixes` (outputs of an earlier run that this one may not rewrite), so no stale
// counterexample survives next to a new summary. A staging folder that was not committed is
// removed by the destructor.
class StagedFolder {
 public:
  StagedFolder(std::filesystem::path destination, std::vector<std::string> owned_prefixes);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  const std::filesystem::path& path() const { return staging_; }
  const std::filesystem::path& destination() const { return destination_; }
  void commit();

 private:
  std::filesystem::path destination_, staging_;
  std::vector<std::string> owned_prefixes_;
  bool committed_ = false;
};

}  // namespace sgverify
