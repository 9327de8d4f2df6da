// FolderReplacement: a folder built under a staging name replaces its destination whole, or not
// at all, and the staging folders of dead processes are cleaned up.
#include "io/input_error.hpp"
#include "io/output_folder.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace sgverify::testing {
namespace {

namespace fs = std::filesystem;

// No Linux process has this PID, because it is above 2^22, the largest pid_max (proc(5)).
constexpr pid_t dead_pid = 2147483646;

// A fresh folder under the system's temporary folder, removed at the end of the test.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(const std::string& name)
      : path_(fs::temp_directory_path() / ("sgverify-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_text(const fs::path& path) {
  std::ostringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

std::set<std::string> entries(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.insert(entry.path().filename().string());
  return names;
}

std::string staging_name(const std::string& name, pid_t pid) { return "." + name + ".partial-" + std::to_string(pid); }

TEST_CASE("replacement swaps in the whole folder") {
  const TemporaryFolder temporary("replace-whole");
  const fs::path report = temporary.path() / "report";
  fs::create_directories(report / "part");
  write_text(report / "old.txt", "old");
  FolderReplacement replacement(report);
  CHECK(replacement.path() == temporary.path() / staging_name("report", ::getpid()));
  write_text(replacement.path() / "new.txt", "new");
  CHECK(read_text(report / "old.txt") == "old");

  replacement.commit();
  CHECK(entries(report) == std::set<std::string>{"new.txt"});
  CHECK(read_text(report / "new.txt") == "new");
  CHECK(entries(temporary.path()) == std::set<std::string>{"report"});
}

TEST_CASE("uncommitted replacement changes nothing") {
  const TemporaryFolder temporary("uncommitted");
  const fs::path report = temporary.path() / "report";
  fs::create_directories(report);
  write_text(report / "old.txt", "old");
  {
    FolderReplacement replacement(report);
    write_text(replacement.path() / "new.txt", "new");
  }
  CHECK(entries(report) == std::set<std::string>{"old.txt"});
  CHECK(read_text(report / "old.txt") == "old");
  CHECK(entries(temporary.path()) == std::set<std::string>{"report"});
}

TEST_CASE("replacement creates missing parents") {
  const TemporaryFolder temporary("missing");
  const fs::path report = temporary.path() / "reports" / "latest";
  FolderReplacement replacement(report);
  write_text(replacement.path() / "index.md", "index");
  replacement.commit();
  CHECK(read_text(report / "index.md") == "index");
  CHECK(entries(temporary.path() / "reports") == std::set<std::string>{"latest"});
}

TEST_CASE("replacement accepts a trailing separator") {
  const TemporaryFolder temporary("trailing-separator");
  FolderReplacement replacement(temporary.path() / "report" / "");
  CHECK(replacement.path() == temporary.path() / staging_name("report", ::getpid()));
  replacement.commit();
  CHECK(fs::is_directory(temporary.path() / "report"));
}

TEST_CASE("replacement rejects nameless paths and files") {
  const TemporaryFolder temporary("rejected");
  for (const fs::path& nameless : {fs::path("."), fs::path(".."), fs::path(""), fs::path("/"), fs::path("../..")}) {
    INFO("destination: '" << nameless.string() << "'");
    CHECK_THROWS_AS(FolderReplacement(nameless), InputError);
  }
  write_text(temporary.path() / "file.txt", "text");
  CHECK_THROWS_AS(FolderReplacement(temporary.path() / "file.txt"), InputError);
  CHECK(read_text(temporary.path() / "file.txt") == "text");
  CHECK(entries(temporary.path()) == std::set<std::string>{"file.txt"});
}

TEST_CASE("replacement empties its own leftover") {
  const TemporaryFolder temporary("own-pid");
  const fs::path leftover = temporary.path() / staging_name("report", ::getpid());
  fs::create_directories(leftover);
  write_text(leftover / "stale.txt", "stale");
  FolderReplacement replacement(temporary.path() / "report");
  CHECK(entries(replacement.path()).empty());
}

TEST_CASE("stale siblings of dead processes removed") {
  const TemporaryFolder temporary("stale");
  const fs::path& folder = temporary.path();
  const std::string dead = std::to_string(dead_pid);
  const std::string running = std::to_string(::getppid());
  const std::vector<std::string> names{".report.partial-" + dead, ".report.previous-" + dead, ".report.partial-" + running,
                                       ".other.partial-" + dead, ".report.partial-12x", "report.partial-" + dead};
  for (const std::string& name : names) fs::create_directories(folder / name / "part");
  FolderReplacement replacement(folder / "report");
  replacement.commit();
  const std::vector<fs::path> removed = replacement.remove_stale_siblings();
  CHECK(std::set<fs::path>(removed.begin(), removed.end()) ==
        std::set<fs::path>{folder / (".report.partial-" + dead), folder / (".report.previous-" + dead)});
  CHECK(entries(folder) == std::set<std::string>{".report.partial-" + running, ".other.partial-" + dead, ".report.partial-12x",
                                                 "report.partial-" + dead, "report"});
}

}  // namespace
}  // namespace sgverify::testing
