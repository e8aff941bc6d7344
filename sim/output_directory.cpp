#include "sim/output_directory.hpp"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

namespace kubetwin::sim {

namespace fs = std::filesystem;

OutputDirectory::OutputDirectory(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) {
    throw std::runtime_error(dir_.string() + ": cannot create output directory: " + ec.message());
  }
  staging_ = dir_ / (".kubetwin-staging-" + std::to_string(::getpid()));
  fs::remove_all(staging_, ec);
  fs::create_directory(staging_, ec);
  if (ec) throw std::runtime_error(staging_.string() + ": cannot create: " + ec.message());
}

OutputDirectory::~OutputDirectory() {
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

std::ofstream OutputDirectory::open(const std::string& name) {
  std::ofstream out;
  out.exceptions(std::ios::badbit | std::ios::failbit);
  out.open(staging_ / name, std::ios::binary | std::ios::trunc);
  files_.push_back(name);
  return out;
}

void OutputDirectory::commit(const std::vector<std::string>& stale) {
  for (const std::string& name : stale) {
    if (std::find(files_.begin(), files_.end(), name) == files_.end()) fs::remove(dir_ / name);
  }
  for (const std::string& name : files_) fs::rename(staging_ / name, dir_ / name);
  committed_ = true;
}

}  // namespace kubetwin::sim
