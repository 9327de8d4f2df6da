// Output folders: messages about a staged output name the folder that the user gave, never the
// staging folder NAME.partial-PID beside it.
#include "io/atomic_file.hpp"
#include "io/input_error.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

namespace sgverify::testing {
namespace {

// A fresh folder for one test case, removed at the end.
class ScratchFolder {
 public:
  explicit ScratchFolder(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("sgverify-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The message of the InputError that `action` throws, or a failed check when it throws none.
std::string input_error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  FAIL("no InputError");
  return "";
}

TEST_CASE("staging names map to destinations") {
  const ScratchFolder scratch("paths");
  const std::filesystem::path destination = scratch.path() / "out";
  StagedFolder staged(destination, {});
  CHECK(staged.path() != destination);
  CHECK(path_for_messages(staged.path() / "report.md") == destination / "report.md");
  CHECK(path_for_messages(destination / "report.md") == destination / "report.md");
  // A folder named like the staging folder of another process keeps its name.
  const std::filesystem::path other = scratch.path() / ("out.partial-" + std::to_string(::getpid() + 1)) / "report.md";
  CHECK(path_for_messages(other) == other);
}

TEST_CASE("output under a file names the file") {
  const ScratchFolder scratch("blocked");
  const std::filesystem::path file = scratch.path() / "file";
  std::ofstream(file) << "not a folder\n";
  CHECK(file_in_the_way(file / "out") == file);
  CHECK(file_in_the_way(file) == file);
  CHECK(file_in_the_way(scratch.path() / "new" / "out").empty());

  const std::string message = input_error_message([&] { StagedFolder staged(file / "out", {}); });
  CHECK(message == "cannot create output folder " + (file / "out").string() + ": " + file.string() +
                       " is a file, not a folder; choose another --out");
}

TEST_CASE("staged write errors name the destination") {
  const ScratchFolder scratch("write");
  const std::filesystem::path destination = scratch.path() / "out";
  StagedFolder staged(destination, {});
  const std::string message =
      input_error_message([&] { write_file_atomically(staged.path() / "missing-folder" / "report.md", "text"); });
  CHECK(message.find("cannot write " + (destination / "missing-folder" / "report.md").string() + ":") == 0);
  CHECK(message.find(".partial-") == std::string::npos);
}

TEST_CASE("commit onto a file names the destination") {
  const ScratchFolder scratch("commit");
  const std::filesystem::path destination = scratch.path() / "out";
  StagedFolder staged(destination, {});
  write_file_atomically(staged.path() / "report.md", "text");
  std::ofstream(destination) << "a file created while the command ran\n";
  const std::string message = input_error_message([&] { staged.commit(); });
  CHECK(message == "cannot create output folder " + destination.string() + ": " + destination.string() +
                       " is a file, not a folder; choose another --out");
}

}  // namespace
}  // namespace sgverify::testing
