// Markdown pieces shared by the writers of report.md and index.md.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

namespace sgverify {

// Returns `text` as one Markdown code span. The fence has one backtick more than the longest run
// of backticks inside, and a space pads a text that starts or ends with a backtick, as CommonMark
// requires, so a path that contains backticks stays one span. A span is one line, so a line break
// becomes a space; the terminal shows such a command exactly.
inline std::string markdown_code(const std::string& text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  std::string line;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    line += c == '\n' || c == '\r' ? ' ' : c;
  }
  const std::string fence(longest + 1, '`');
  const std::string pad = !line.empty() && (line.front() == '`' || line.back() == '`') ? " " : "";
  return fence + pad + line + pad + fence;
}

}  // namespace sgverify
