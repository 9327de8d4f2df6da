// Fuzz target of the trace readers: the Theorem 1 reader on the text in memory, then
// `sgverify trace show` on the same text written to a file, which dispatches to the Corollary 1
// and Theorem 2 readers by the header's kind. Every input must print or raise InputError.
#include "cli/commands.hpp"
#include "io/input_error.hpp"
#include "io/trace_reader.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

// One temporary file per fuzzer process, rewritten for every input.
const std::string& scratch_path() {
  static const std::string path = [] {
    const char* folder = std::getenv("TMPDIR");
    return std::string(folder != nullptr ? folder : "/tmp") + "/sgverify-fuzz-trace-" + std::to_string(getpid()) + ".jsonl";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    sgverify::parse_trace(text, "fuzz.jsonl");
  } catch (const sgverify::InputError&) {
  }

  {
    std::ofstream out(scratch_path(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  std::ostringstream discarded;
  std::streambuf* const terminal = std::cout.rdbuf(discarded.rdbuf());
  try {
    sgverify::TraceOptions options;
    options.action = "show";
    options.file = scratch_path();
    sgverify::run_trace_command(options);
  } catch (const sgverify::InputError&) {
  }
  std::cout.rdbuf(terminal);
  return 0;
}
