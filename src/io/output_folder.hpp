// Output folders that are written under one path and named by another in the texts written there.
#pragma once

#include <filesystem>
#include <utility>

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

}  // namespace sgverify
