#include "io/atomic_file.hpp"

#include "io/input_error.hpp"

#include <cstdio>
#include <fstream>
#include <system_error>
#include <unistd.h>

namespace sgverify {

void write_file_atomically(const std::filesystem::path& path, const std::string& contents) {
  std::filesystem::path temporary = path;
  temporary += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw InputError("cannot write " + path.string() + ": check that the folder is writable and the disk not full");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    const std::string reason = error.message();
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw InputError("cannot write " + path.string() + ": rename failed (" + reason + ")");
  }
}

void create_output_folder(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || !std::filesystem::is_directory(folder)) {
    throw InputError("cannot create output folder " + folder.string() + ": " +
                     (error ? error.message() : std::string("a file of that name exists")));
  }
}

StagedFolder::StagedFolder(std::filesystem::path destination, std::vector<std::string> owned_prefixes)
    : destination_(std::move(destination)), owned_prefixes_(std::move(owned_prefixes)) {
  std::filesystem::path name = destination_.filename();
  if (name.empty()) name = destination_.parent_path().filename();
  staging_ = destination_.parent_path() / (name.string() + ".partial-" + std::to_string(::getpid()));
  if (destination_.filename().empty()) staging_ = destination_.parent_path().parent_path() / staging_.filename();
  std::error_code ignored;
  std::filesystem::remove_all(staging_, ignored);
  create_output_folder(staging_);
}

StagedFolder::~StagedFolder() {
  if (committed_) return;
  std::error_code ignored;
  std::filesystem::remove_all(staging_, ignored);
}

void StagedFolder::commit() {
  create_output_folder(destination_);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(destination_, error)) {
    const std::string name = entry.path().filename().string();
    for (const std::string& prefix : owned_prefixes_) {
      if (name.starts_with(prefix) && entry.is_regular_file()) std::filesystem::remove(entry.path(), error);
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(staging_)) {
    const std::filesystem::path target = destination_ / entry.path().filename();
    if (entry.is_directory()) {
      std::filesystem::remove_all(target, error);
    }
    std::filesystem::rename(entry.path(), target, error);
    if (error) throw InputError("cannot move " + entry.path().string() + " to " + target.string() + ": " + error.message());
  }
  std::filesystem::remove(staging_, error);
  committed_ = true;
}

}  // namespace sgverify
