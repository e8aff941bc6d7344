#include "sim/event_log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace kubetwin::sim {
namespace {

struct Sample {
  static constexpr std::string_view kType = "Sample";
  std::string_view name;
  double value;
  void write(JsonObjectWriter& w) const { w.field("name", name).field("value", value); }
};

TEST(EventLog, WritesOneParsableObjectPerLine) {
  std::ostringstream out;
  {
    EventLog log(&out);
    log.record(1.5, Sample{"a \"quoted\"\nname", 0.1});
    log.record(2, Sample{"b", 3});
    EXPECT_EQ(log.count(), 2u);
  }
  std::istringstream in(out.str());
  std::string line;
  std::getline(in, line);
  const auto first = nlohmann::json::parse(line);
  EXPECT_EQ(first["t"], 1.5);
  EXPECT_EQ(first["type"], "Sample");
  EXPECT_EQ(first["name"], "a \"quoted\"\nname");
  EXPECT_EQ(first["value"], 0.1);
  std::getline(in, line);
  EXPECT_EQ(line, R"({"t":2,"type":"Sample","name":"b","value":3})");
}

TEST(EventLog, FingerprintDependsOnContentOnly) {
  EventLog a, b, c;
  a.record(1, Sample{"x", 1});
  b.record(1, Sample{"x", 1});
  c.record(1, Sample{"x", 2});
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
}

}  // namespace
}  // namespace kubetwin::sim
