#include "io/output_folder.hpp"

#include "io/atomic_file.hpp"
#include "io/input_error.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>
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

}  // namespace

FolderReplacement::FolderReplacement(const std::filesystem::path& destination) {
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
  destination_ = normal;
  staging_ = sibling(destination_, partial_marker, ::getpid());
  previous_ = sibling(destination_, previous_marker, ::getpid());
  create_output_folder(destination_.parent_path());
  // A folder of this PID can only come from an earlier process that had the same PID.
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
  const bool replaces = std::filesystem::exists(std::filesystem::symlink_status(destination_, error));
  if (replaces) {
    std::filesystem::rename(destination_, previous_, error);
    if (error) throw InputError("cannot move " + destination_.string() + " aside to " + previous_.string() + ": " + error.message());
  }
  std::filesystem::rename(staging_, destination_, error);
  if (error) {
    const std::string reason = error.message();
    if (replaces) std::filesystem::rename(previous_, destination_, ignored);
    throw InputError("cannot move " + staging_.string() + " to " + destination_.string() + ": " + reason);
  }
  committed_ = true;
  std::filesystem::remove_all(previous_, ignored);
}

std::vector<std::filesystem::path> FolderReplacement::remove_stale_siblings() const {
  const std::string stem = hidden_name(destination_);
  // Collected first, because POSIX leaves unspecified what readdir() returns for entries removed
  // while the directory is read.
  std::vector<std::filesystem::path> stale;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(destination_.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    std::optional<pid_t> pid = pid_after(name, stem + partial_marker);
    if (!pid) pid = pid_after(name, stem + previous_marker);
    if (pid && *pid != ::getpid() && !process_runs(*pid)) stale.push_back(entry.path());
  }
  std::vector<std::filesystem::path> removed;
  for (const std::filesystem::path& path : stale) {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
    if (!ignored) removed.push_back(path);
  }
  return removed;
}

}  // namespace sgverify
