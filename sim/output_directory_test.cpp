#include "sim/output_directory.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace kubetwin::sim {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("kubetwin-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

TEST(OutputDirectory, FilesAppearOnlyOnCommit) {
  const fs::path dir = fresh_dir("commit");
  {
    OutputDirectory out(dir);
    out.open("a.txt") << "hello";
    EXPECT_FALSE(fs::exists(dir / "a.txt"));
    out.commit();
  }
  EXPECT_TRUE(fs::exists(dir / "a.txt"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(OutputDirectory, AbandonedRunLeavesNothingBehind) {
  const fs::path dir = fresh_dir("abandon");
  fs::create_directories(dir);
  { OutputDirectory out(dir); out.open("summary.json") << "{"; }
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kubetwin::sim
