#pragma once
// Result files appear all together or not at all. Files are written into a hidden staging folder
// inside the output directory and moved into place by commit(); if the run fails first (bad input
// found half-way through a trace, say), the staging folder is removed and the output directory is
// left as it was.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kubetwin::sim {

class OutputDirectory {
 public:
  /// Creates `dir` if needed and a fresh staging folder inside it. Throws std::runtime_error.
  explicit OutputDirectory(std::filesystem::path dir);
  ~OutputDirectory();
  OutputDirectory(const OutputDirectory&) = delete;
  OutputDirectory& operator=(const OutputDirectory&) = delete;

  /// Opens `name` for writing in the staging folder (binary mode, exceptions on failure).
  std::ofstream open(const std::string& name);
  /// Moves every opened file into the output directory, and removes the files named in `stale`
  /// that this run did not write (an earlier run's results must not pass for this run's).
  /// Streams must be closed first.
  void commit(const std::vector<std::string>& stale = {});

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path staging_;
  std::vector<std::string> files_;
  bool committed_ = false;
};

}  // namespace kubetwin::sim
