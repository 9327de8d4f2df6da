// Quoting for the commands that sgverify prints for a user to paste into a shell, such as the
// replay command of a refuted claim.
#pragma once

#include <string>
#include <string_view>

namespace sgverify {

// Returns `word` as one word of a POSIX shell command line. A non-empty word of ASCII letters,
// digits and the characters @%+=:,./_- has no special meaning to the shell and stays bare. Any
// other word is put inside single quotes, where the shell treats every character literally, and
// each single quote in it becomes '\'' (close the quotes, an escaped quote, open them again).
inline std::string shell_quote(std::string_view word) {
  const auto is_safe = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
  };
  bool safe = !word.empty();
  for (const char c : word) safe = safe && is_safe(c);
  if (safe) return std::string(word);

  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += "'";
  return quoted;
}

}  // namespace sgverify
