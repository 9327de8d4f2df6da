#include "io/output_folder.hpp"

#include "io/atomic_file.hpp"
#include "io/input_error.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>  // renameat2 and RENAME_EXCHANGE (glibc 2.28 and later, with _GNU_SOURCE)
#include <cstring>
#include <fcntl.h>  // AT_FDCWD
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>

namespace sgverify {

namespace {

const std::string partial_marker = ".partial-";
const std::string previous_marker = ".previous-";

// The hidden name `.NAME` of a folder NAME, built piece by piece because g++ 12.2 reports a false
// -Wrestrict warning for "." + std::string.
std::string hidden_name(const std::filesystem::path& folder) {
  std::string name = ".";
  name += folder.filename().string();
  return name;
}

std::filesystem::path sibling(const std::filesystem::path& destination, const std::string& marker, pid_t pid) {
  return destination.parent_path() / (hidden_name(destination) + marker + std::to_string(pid));
}

// NOTE: a process of another PID namespace (another container writing to the same folder) looks
// dead from here, so its staging folder would be removed. A dead process whose PID was reused
// looks alive, and its folder stays until a later run.
bool process_runs(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

// The PID at the end of `name` when `name` is `prefix` followed by digits only.
std::optional<pid_t> pid_after(const std::string& name, const std::string& prefix) {
  if (!name.starts_with(prefix) || name.size() == prefix.size()) return std::nullopt;
  pid_t pid = 0;
  const char* const end = name.data() + name.size();
  const auto [stop, error] = std::from_chars(name.data() + prefix.size(), end, pid);
  if (error != std::errc() || stop != end || pid <= 0) return std::nullopt;
  return pid;
}

// The modification time of `path`, or the earliest time when it cannot be read.
std::filesystem::file_time_type modification_time(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::file_time_type time = std::filesystem::last_write_time(path, error);
  return error ? std::filesystem::file_time_type::min() : time;
}

// Swaps the folders `staging` and `destination` with one renameat2(RENAME_EXCHANGE), so that
// `destination` exists at every moment. Returns false when the file system or kernel does not
// support the exchange (EINVAL, ENOSYS), and throws InputError on any other failure.
bool exchange_folders(const std::filesystem::path& staging, const std::filesystem::path& destination) {
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, destination.c_str(), RENAME_EXCHANGE) == 0) return true;
  const int error = errno;
  if (error == EINVAL || error == ENOSYS) return false;
  throw InputError("cannot swap " + staging.string() + " with " + destination.string() + ": " + std::strerror(error));
}

}  // namespace

std::filesystem::path FolderReplacement::destination_path(const std::filesystem::path& destination) {
  std::filesystem::path normal = destination.lexically_normal();
  if (normal.filename().empty()) normal = normal.parent_path();  // a trailing separator
  const std::string name = normal.filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw InputError("cannot replace the folder '" + destination.string() + "' as a whole: name the folder itself, such as reports/latest");
  }
  std::error_code error;
  if (std::filesystem::exists(normal, error) && !std::filesystem::is_directory(normal, error)) {
    throw InputError("cannot replace " + destination.string() + " with a folder: it is a file, so remove it or choose another path");
  }
  if (normal.parent_path().empty()) normal = std::filesystem::path(".") / normal;
  return normal;
}

FolderReplacement::FolderReplacement(const std::filesystem::path& destination) {
  destination_ = destination_path(destination);
  staging_ = sibling(destination_, partial_marker, ::getpid());
  previous_ = sibling(destination_, previous_marker, ::getpid());
  create_output_folder(destination_.parent_path());
  // A folder of this PID can only come from an earlier process that had the same PID.
  std::error_code error;
  std::filesystem::remove_all(staging_, error);  // a failure shows in create_output_folder
  create_output_folder(staging_);
}

FolderReplacement::~FolderReplacement() {
  if (committed_) return;
  std::error_code ignored;
  std::filesystem::remove_all(staging_, ignored);
}

void FolderReplacement::commit() {
  std::error_code ignored;
  std::filesystem::remove_all(previous_, ignored);
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::symlink_status(destination_, error))) {
    std::filesystem::rename(staging_, destination_, error);
    if (error) throw InputError("cannot move " + staging_.string() + " to " + destination_.string() + ": " + error.message());
    committed_ = true;
    return;
  }
  if (exchange_folders(staging_, destination_)) {
    committed_ = true;
    // The staging name now contains the previous destination. A process killed while removing it
    // leaves a `.NAME.partial-PID` that a later cleanup deletes.
    std::filesystem::remove_all(staging_, ignored);
    return;
  }
  // NOTE: no test reaches these two renames, because ext4 and tmpfs support RENAME_EXCHANGE.
  std::filesystem::rename(destination_, previous_, error);
  if (error) throw InputError("cannot move " + destination_.string() + " aside to " + previous_.string() + ": " + error.message());
  std::filesystem::rename(staging_, destination_, error);
  if (error) {
    const std::string reason = error.message();
    std::filesystem::rename(previous_, destination_, ignored);
    throw InputError("cannot move " + staging_.string() + " to " + destination_.string() + ": " + reason);
  }
  committed_ = true;
  std::filesystem::remove_all(previous_, ignored);
}

FolderReplacement::Cleanup FolderReplacement::clean_up_stale_siblings() const {
  const std::string stem = hidden_name(destination_);
  // Collected first, because POSIX leaves unspecified what readdir() returns for entries removed
  // while the directory is read.
  std::vector<std::filesystem::path> partial;
  std::vector<std::filesystem::path> previous;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(destination_.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    // This process's own staging folder is in use. A previous folder of its PID comes from an
    // earlier process with the same PID, because commit() removes its own before it returns.
    const std::optional<pid_t> partial_pid = pid_after(name, stem + partial_marker);
    const std::optional<pid_t> previous_pid = pid_after(name, stem + previous_marker);
    if (partial_pid && *partial_pid != ::getpid() && !process_runs(*partial_pid)) partial.push_back(entry.path());
    if (previous_pid && (*previous_pid == ::getpid() || !process_runs(*previous_pid))) previous.push_back(entry.path());
  }

  Cleanup cleanup;
  const std::filesystem::file_type destination_type = std::filesystem::symlink_status(destination_, error).type();
  if (destination_type == std::filesystem::file_type::not_found && !previous.empty()) {
    const auto newest = std::max_element(previous.begin(), previous.end(), [](const auto& left, const auto& right) {
      return modification_time(left) < modification_time(right);
    });
    std::filesystem::rename(*newest, destination_, error);
    if (!error) {
      cleanup.restored = *newest;
      previous.erase(newest);
    }
  }
  // While the destination is missing or cannot be examined, a previous folder may hold the only
  // complete report, so it stays.
  if (!std::filesystem::exists(std::filesystem::symlink_status(destination_, error))) previous.clear();

  for (const std::vector<std::filesystem::path>* stale : {&partial, &previous}) {
    for (const std::filesystem::path& path : *stale) {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
      if (!ignored) cleanup.removed.push_back(path);
    }
  }
  return cleanup;
}

}  // namespace sgverify
