#pragma once
// Helpers shared by the command-line tests (they run the real `kubetwin` binary in a shell).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace kubetwin::scenarios::testing {

/// `s` as one single-quoted shell word.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// The whole file, bytes as they are ("" if it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace kubetwin::scenarios::testing
