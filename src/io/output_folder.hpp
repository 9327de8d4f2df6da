// Output folders that are built under a staging name and named by their final path, so that a
// report whose parts are written one after another appears all at once or not at all.
#pragma once

#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

namespace sgverify {

// The folder a command writes into, and the path by which the texts it writes (links, replay
// commands, paths in summary.json) name that folder. The two differ inside `sgverify run`, which
// builds its report under a staging name and renames it to the final path at the end.
struct OutputFolder {
  std::filesystem::path write_to;
  std::filesystem::path final;

  // A folder written in place: both paths are `folder`.
  explicit OutputFolder(const std::filesystem::path& folder) : write_to(folder), final(folder) {}
  OutputFolder(std::filesystem::path write_to_path, std::filesystem::path final_path)
      : write_to(std::move(write_to_path)), final(std::move(final_path)) {}

  // The entry `name` inside this folder, under both paths.
  OutputFolder operator/(const std::filesystem::path& name) const { return {write_to / name, final / name}; }
};

// A folder built under the staging name `.NAME.partial-PID` beside its destination NAME and put in
// the destination's place as a whole by commit(). Staging and destination share a parent folder,
// so each rename stays on one file system. A staging folder that was not committed is removed by
// the destructor, so a run that throws leaves the destination as it was. A killed process leaves
// its `.NAME.partial-PID` behind, which clean_up_stale_siblings() of a later run deletes.
class FolderReplacement {
 public:
  // Creates the staging folder (and the destination's parent). Throws InputError when
  // `destination` is ".", "..", a root or an existing file, or when a folder cannot be created.
  explicit FolderReplacement(const std::filesystem::path& destination);
  ~FolderReplacement();
  FolderReplacement(const FolderReplacement&) = delete;
  FolderReplacement& operator=(const FolderReplacement&) = delete;

  const std::filesystem::path& path() const { return staging_; }
  const std::filesystem::path& destination() const { return destination_; }

  // The path that the constructor replaces for `destination`: its lexically normal form without a
  // trailing separator, so "/x/missing/../run2/." is "/x/run2", the folder that the renames reach.
  // Throws InputError as the constructor does.
  static std::filesystem::path destination_path(const std::filesystem::path& destination);

  // Puts the staging folder in the destination's place, then removes the previous destination.
  // An existing destination is swapped with the staging folder by one renameat2(RENAME_EXCHANGE),
  // so the destination always exists. Only on a file system that rejects the exchange (EINVAL or
  // ENOSYS) does it take two renames: the destination to `.NAME.previous-PID`, then the staging
  // folder to the destination. A process killed between those two leaves the destination missing,
  // which clean_up_stale_siblings() of a later run repairs. Throws InputError when a rename fails,
  // after putting the previous folder back.
  void commit();

  // The folders that clean_up_stale_siblings() restored or removed.
  struct Cleanup {
    std::optional<std::filesystem::path> restored;  // the `.NAME.previous-PID` renamed back to NAME
    std::vector<std::filesystem::path> removed;
  };

  // Repairs what killed processes left beside the destination. When the destination is missing,
  // the most recently modified `.NAME.previous-PID` of a process that no longer runs is renamed
  // back to it, because that folder is the last complete report. Every other `.NAME.partial-PID`
  // and `.NAME.previous-PID` of such a process is then removed.
  Cleanup clean_up_stale_siblings() const;

 private:
  std::filesystem::path destination_, staging_, previous_;
  bool committed_ = false;
};

}  // namespace sgverify
