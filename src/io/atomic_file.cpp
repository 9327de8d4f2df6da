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
    std::filesystem::remove(temporary, error);
    throw InputError("cannot write " + path.string() + ": rename failed (" + error.message() + ")");
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

}  // namespace sgverify
