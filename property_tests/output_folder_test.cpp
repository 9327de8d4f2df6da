// FolderReplacement: a folder built under a staging name replaces its destination whole, or not
// at all, and the staging folders of dead processes are cleaned up.
#include "io/input_error.hpp"
#include "io/output_folder.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
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

TEST_CASE("replacement through missing folder") {
  const TemporaryFolder temporary("through-missing");
  const fs::path through_missing = temporary.path() / "missing" / ".." / "report" / ".";
  CHECK(FolderReplacement::destination_path(through_missing) == temporary.path() / "report");
  CHECK(FolderReplacement::destination_path("report") == fs::path(".") / "report");
  FolderReplacement replacement(through_missing);
  CHECK(replacement.destination() == temporary.path() / "report");
  replacement.commit();
  CHECK(entries(temporary.path()) == std::set<std::string>{"report"});
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

TEST_CASE("destination exists throughout commit") {
  // A second thread looks for the destination while this one replaces it again and again. Two
  // renames leave a moment without it, which a few hundred replacements almost always hit.
  const TemporaryFolder temporary("always-present");
  const fs::path report = temporary.path() / "report";
  fs::create_directories(report);
  std::atomic<bool> done = false;
  std::atomic<long> checks = 0;
  std::atomic<long> misses = 0;
  std::thread observer([&] {
    while (!done) {
      if (!fs::exists(report)) ++misses;
      ++checks;
    }
  });
  constexpr int replacements = 500;
  for (int i = 0; i < replacements; ++i) {
    FolderReplacement replacement(report);
    write_text(replacement.path() / "index.md", std::to_string(i));
    replacement.commit();
  }
  done = true;
  observer.join();
  INFO("checks of the destination: " << checks);
  CHECK(misses == 0);
  CHECK(read_text(report / "index.md") == std::to_string(replacements - 1));
  CHECK(entries(temporary.path()) == std::set<std::string>{"report"});
}

TEST_CASE("stale siblings of dead processes removed") {
  const TemporaryFolder temporary("stale");
  const fs::path& folder = temporary.path();
  const std::string dead = std::to_string(dead_pid);
  const std::string running = std::to_string(::getppid());
  const std::vector<std::string> names{".report.partial-" + dead, ".report.previous-" + dead, ".report.partial-" + running,
                                       ".report.previous-" + running, ".other.partial-" + dead, ".report.partial-12x",
                                       "report.partial-" + dead};
  for (const std::string& name : names) fs::create_directories(folder / name / "part");
  fs::create_directories(folder / "report");
  FolderReplacement replacement(folder / "report");
  const FolderReplacement::Cleanup cleanup = replacement.clean_up_stale_siblings();
  CHECK_FALSE(cleanup.restored.has_value());
  CHECK(std::set<fs::path>(cleanup.removed.begin(), cleanup.removed.end()) ==
        std::set<fs::path>{folder / (".report.partial-" + dead), folder / (".report.previous-" + dead)});
  CHECK(entries(folder) == std::set<std::string>{".report.partial-" + running, ".report.previous-" + running, ".other.partial-" + dead,
                                                 ".report.partial-12x", "report.partial-" + dead, "report",
                                                 staging_name("report", ::getpid())});
}

TEST_CASE("cleanup restores previous folder of missing destination") {
  // The state of a process killed between the two renames of a commit without exchange.
  const TemporaryFolder temporary("restore");
  const fs::path& folder = temporary.path();
  const std::string dead = std::to_string(dead_pid);
  fs::create_directories(folder / (".report.previous-" + dead));
  write_text(folder / (".report.previous-" + dead) / "index.md", "complete old report");
  fs::create_directories(folder / (".report.partial-" + dead));
  write_text(folder / (".report.partial-" + dead) / "index.md", "new report, complete or not");

  FolderReplacement replacement(folder / "report");
  const FolderReplacement::Cleanup cleanup = replacement.clean_up_stale_siblings();
  REQUIRE(cleanup.restored.has_value());
  CHECK(*cleanup.restored == folder / (".report.previous-" + dead));
  CHECK(cleanup.removed == std::vector<fs::path>{folder / (".report.partial-" + dead)});
  CHECK(read_text(folder / "report" / "index.md") == "complete old report");
  CHECK(entries(folder) == std::set<std::string>{"report", staging_name("report", ::getpid())});
}

TEST_CASE("cleanup restores newest of several previous folders") {
  const TemporaryFolder temporary("restore-newest");
  const fs::path& folder = temporary.path();
  const fs::path older = folder / (".report.previous-" + std::to_string(dead_pid));
  const fs::path newer = folder / (".report.previous-" + std::to_string(dead_pid - 1));
  for (const fs::path& previous : {older, newer}) {
    fs::create_directories(previous);
    write_text(previous / "index.md", previous.filename().string());
  }
  fs::last_write_time(older, fs::last_write_time(newer) - std::chrono::hours(1));

  FolderReplacement replacement(folder / "report");
  const FolderReplacement::Cleanup cleanup = replacement.clean_up_stale_siblings();
  CHECK(cleanup.restored == std::optional<fs::path>(newer));
  CHECK(cleanup.removed == std::vector<fs::path>{older});
  CHECK(read_text(folder / "report" / "index.md") == newer.filename().string());
}

TEST_CASE("cleanup treats previous folder of own PID as stale") {
  // commit() removes its own previous folder before it returns, so one of this PID was left by an
  // earlier process that had the same PID.
  const TemporaryFolder temporary("own-previous");
  const fs::path& folder = temporary.path();
  const fs::path previous = folder / (".report.previous-" + std::to_string(::getpid()));
  fs::create_directories(previous);
  write_text(previous / "index.md", "old");

  FolderReplacement replacement(folder / "report");
  CHECK(replacement.clean_up_stale_siblings().restored == std::optional<fs::path>(previous));
  CHECK(read_text(folder / "report" / "index.md") == "old");
}

TEST_CASE("cleanup keeps previous folders of running processes") {
  const TemporaryFolder temporary("running-previous");
  const fs::path& folder = temporary.path();
  const fs::path previous = folder / (".report.previous-" + std::to_string(::getppid()));
  fs::create_directories(previous);

  FolderReplacement replacement(folder / "report");
  const FolderReplacement::Cleanup cleanup = replacement.clean_up_stale_siblings();
  CHECK_FALSE(cleanup.restored.has_value());
  CHECK(cleanup.removed.empty());
  CHECK(fs::is_directory(previous));
  CHECK_FALSE(fs::exists(folder / "report"));
}

}  // namespace
}  // namespace sgverify::testing
