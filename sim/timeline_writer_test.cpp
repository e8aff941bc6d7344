#include "sim/timeline_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace kubetwin::sim {
namespace {

TEST(TimelineWriter, ProducesChromeTraceEventJson) {
  std::ostringstream out;
  {
    TimelineWriter tl(out);
    tl.name_process(1, "pool a100");
    tl.name_thread(1, 0, "a100-0");
    tl.slice(1, 0, "job-7", "job", 2.0, 0.5, R"({"gpus":8})");
    tl.counter(0, "cluster", 3.0, {{"allocatedGpus", 8}, {"pendingPods", 2}});
  }
  const auto doc = nlohmann::json::parse(out.str());
  const auto& ev = doc.at("traceEvents");
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0]["ph"], "M");
  EXPECT_EQ(ev[0]["args"]["name"], "pool a100");
  EXPECT_EQ(ev[2]["ph"], "X");
  EXPECT_EQ(ev[2]["ts"], 2e6);
  EXPECT_EQ(ev[2]["dur"], 5e5);
  EXPECT_EQ(ev[2]["args"]["gpus"], 8);
  EXPECT_EQ(ev[3]["ph"], "C");
  EXPECT_EQ(ev[3]["args"]["pendingPods"], 2);
}

TEST(TimelineWriter, EmptyTimelineIsStillValidJson) {
  std::ostringstream out;
  { TimelineWriter tl(out); }
  EXPECT_TRUE(nlohmann::json::parse(out.str()).at("traceEvents").empty());
}

}  // namespace
}  // namespace kubetwin::sim
