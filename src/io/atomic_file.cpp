#include "io/atomic_file.hpp"

#include "io/input_error.hpp"

#include <cstdio>
#include <fstream>
#include <system_error>
#include <unistd.h>

namespace sgverify {

namespace {

// The staging folder of this process for the folder NAME is NAME.partial-PID.
std::string staging_suffix() { return ".partial-" + std::to_string(::getpid()); }

}  // namespace

std::filesystem::path path_for_messages(const std::filesystem::path& path) {
  const std::string suffix = staging_suffix();
  std::filesystem::path result;
  for (const std::filesystem::path& part : path) {
    std::string name = part.string();
    if (name.size() > suffix.size() && name.ends_with(suffix)) name.resize(name.size() - suffix.size());
    result /= name;
  }
  return result;
}

std::filesystem::path file_in_the_way(const std::filesystem::path& folder) {
  for (std::filesystem::path path = folder; !path.empty(); path = path.parent_path()) {
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(path, error);
    if (std::filesystem::exists(status)) return std::filesystem::is_directory(status) ? std::filesystem::path() : path;
    if (path == path.parent_path()) break;
  }
  return {};
}

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
      throw InputError("cannot write " + path_for_messages(path).string() + ": check that the folder is writable and the disk not full");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    const std::string reason = error.message();
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw InputError("cannot write " + path_for_messages(path).string() + ": rename failed (" + reason + ")");
  }
}

void create_output_folder(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (!error && std::filesystem::is_directory(folder)) return;
  const std::string failed = "cannot create output folder " + path_for_messages(folder).string() + ": ";
  const std::filesystem::path file = file_in_the_way(folder);
  if (!file.empty()) throw InputError(failed + path_for_messages(file).string() + " is a file, not a folder; choose another --out");
  throw InputError(failed + (error ? error.message() : std::string("not a folder")) +
                   "; choose another --out or check the permissions of its parent");
}

StagedFolder::StagedFolder(std::filesystem::path destination, std::vector<std::string> owned_prefixes)
    : destination_(std::move(destination)), owned_prefixes_(std::move(owned_prefixes)) {
  std::filesystem::path name = destination_.filename();
  if (name.empty()) name = destination_.parent_path().filename();
  staging_ = destination_.parent_path() / (name.string() + staging_suffix());
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
    if (error) throw InputError("cannot write " + target.string() + ": rename failed (" + error.message() + ")");
  }
  std::filesystem::remove(staging_, error);
  committed_ = true;
}

}  // namespace sgverify
