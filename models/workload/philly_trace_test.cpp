// The Philly trace readers: well-formed files, and one malformed row per case naming file:line and
// the reason.

#include "models/workload/philly_trace.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHeader = "timestamp,duration,num_gpus,gpu_time,cluster\n";

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path p =
      fs::temp_directory_path() / ("kubetwin-philly-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PhillyTimestamp, ParsesAndFormatsCalendarDates) {
  std::int64_t s = -1;
  ASSERT_TRUE(parse_philly_timestamp("1970-01-01 00:00:00", s));
  EXPECT_EQ(s, 0);
  ASSERT_TRUE(parse_philly_timestamp("2017-10-01 00:00:00", s));
  EXPECT_EQ(s, 1506816000);  // date -u -d 2017-10-01 +%s
  ASSERT_TRUE(parse_philly_timestamp("2016-02-29 23:59:59", s));
  EXPECT_EQ(format_philly_timestamp(s), "2016-02-29 23:59:59");
  for (const char* bad :
       {"2017-02-29 00:00:00", "2017-13-01 00:00:00", "2017-10-01 24:00:00", "2017-10-01T00:00:00",
        "2017-10-01 00:00", "17-10-01 00:00:00", "2017-1o-01 00:00:00"}) {
    EXPECT_FALSE(parse_philly_timestamp(bad, s)) << bad;
  }
}

TEST(PhillyTrace, ReadsRowsInFileOrderAndSkipsBlankLines) {
  const auto p = write_temp("ok.csv", std::string(kHeader) +
                                          "2017-10-09 07:01:55,66.0,1,66.0,11cb48\n"
                                          "2017-10-09 06:13:03,2951.0,4,11804.0,6214e9\r\n\n");
  const auto jobs = read_philly_jobs(p.string());
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].vc, "11cb48");
  EXPECT_EQ(jobs[0].duration_s, 66.0);
  EXPECT_EQ(jobs[0].line, 2);
  EXPECT_EQ(jobs[1].gpus, 4);
  EXPECT_EQ(jobs[1].vc, "6214e9");
  EXPECT_LT(jobs[1].submit_s, jobs[0].submit_s);
  fs::remove(p);
}

struct BadJobRow {
  const char* name;
  std::string row;
  std::string expected;  ///< after "FILE:2: "
};

void PrintTo(const BadJobRow& c, std::ostream* os) { *os << c.name; }

class PhillyTraceBadRow : public ::testing::TestWithParam<BadJobRow> {};

TEST_P(PhillyTraceBadRow, NamesFileLineAndReason) {
  const auto p =
      write_temp(std::string(GetParam().name) + ".csv",
                 std::string(kHeader) + GetParam().row + "\n2017-10-01 00:00:00,1,1,1,a\n");
  EXPECT_EQ(error_of([&] { read_philly_jobs(p.string()); }),
            p.string() + ":2: " + GetParam().expected);
  fs::remove(p);
}

INSTANTIATE_TEST_SUITE_P(
    PhillyTrace, PhillyTraceBadRow,
    ::testing::Values(
        BadJobRow{"fields", "2017-10-01 00:00:00,1,1,1", "expected 5 fields, got 4"},
        BadJobRow{"timestamp", "2017/10/01 00:00:00,1,1,1,a",
                  "timestamp: expected YYYY-MM-DD HH:MM:SS, got \"2017/10/01 00:00:00\""},
        BadJobRow{"duration", "2017-10-01 00:00:00,abc,1,1,a", "duration: not a number: \"abc\""},
        BadJobRow{"duration_zero", "2017-10-01 00:00:00,0,1,0,a",
                  "duration: must be positive, got 0"},
        BadJobRow{"gpus", "2017-10-01 00:00:00,10,1.5,15,a",
                  "num_gpus: not a whole number: \"1.5\""},
        BadJobRow{"gpus_negative", "2017-10-01 00:00:00,10,-1,-10,a",
                  "num_gpus: must be 0..1000000, got -1"},
        BadJobRow{"gpu_time", "2017-10-01 00:00:00,10,2,10,a",
                  "gpu_time: must equal duration x num_gpus (10 x 2), got 10"},
        BadJobRow{"cluster", "2017-10-01 00:00:00,10,1,10,", "cluster: empty virtual-cluster id"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(PhillyTrace, RejectsAWrongHeader) {
  const auto p = write_temp("header.csv", "submit,duration,num_gpus,gpu_time,cluster\n");
  EXPECT_EQ(error_of([&] { read_philly_jobs(p.string()); }),
            p.string() +
                ":1: unexpected header \"submit,duration,num_gpus,gpu_time,cluster\" (expected " +
                "timestamp,duration,num_gpus,gpu_time,cluster)");
  fs::remove(p);
  EXPECT_EQ(error_of([] { read_philly_jobs("/nonexistent/philly.csv"); }),
            "/nonexistent/philly.csv: cannot open file");
}

TEST(PhillyVcs, ReadsServersPerVcAndRejectsBadRows) {
  const auto ok = write_temp("vc.csv", "vc,node num\n6214e9,64\ned69ec,8\n");
  const auto vcs = read_philly_vcs(ok.string());
  ASSERT_EQ(vcs.size(), 2u);
  EXPECT_EQ(vcs[1].name, "ed69ec");
  EXPECT_EQ(vcs[1].servers, 8);
  fs::remove(ok);

  const auto dup = write_temp("vc-dup.csv", "vc,node num\na,1\nb,2\na,3\n");
  EXPECT_EQ(error_of([&] { read_philly_vcs(dup.string()); }),
            dup.string() + ":4: vc: duplicate virtual cluster \"a\"");
  fs::remove(dup);
  const auto zero = write_temp("vc-zero.csv", "vc,node num\na,0\n");
  EXPECT_EQ(error_of([&] { read_philly_vcs(zero.string()); }),
            zero.string() + ":2: node num: must be 1..1000000, got 0");
  fs::remove(zero);
  const auto empty = write_temp("vc-empty.csv", "vc,node num\n");
  EXPECT_EQ(error_of([&] { read_philly_vcs(empty.string()); }),
            empty.string() + ": no virtual clusters");
  fs::remove(empty);
}

}  // namespace
}  // namespace kubetwin::models
