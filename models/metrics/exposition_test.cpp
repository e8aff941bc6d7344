#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "models/metrics/exposition_parser.hpp"
#include "models/metrics/exposition_writer.hpp"
#include "models/metrics/inference_server_metrics.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

std::string written(const ExpositionWriter& w, double origin = 0) {
  std::ostringstream out;
  w.write(out, origin);
  return out.str();
}

TEST(ExpositionWriter, WritesEachFamilyOnceWithItsSeriesPointsInTimeOrder) {
  ExpositionWriter w;
  auto util = w.family("DCGM_FI_DEV_GPU_UTIL", MetricType::Gauge, "GPU utilization (in %).");
  auto done = w.family("vllm:request_success", MetricType::Counter, "Count of successfully processed requests.");
  auto unused = w.family("never", MetricType::Gauge, "no samples: not exposed");
  (void)unused;
  w.record(util, {{"gpu", "0"}}, 0, 0);
  w.record(util, {{"gpu", "1"}}, 0, 0);
  w.record(done, {{"pod", "a\"b"}}, 30, 12);
  w.record(util, {{"gpu", "0"}}, 30, 87.5);
  EXPECT_EQ(written(w, 1700000000),
            "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n"
            "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
            "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 0 1700000000.000\n"
            "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 87.5 1700000030.000\n"
            "DCGM_FI_DEV_GPU_UTIL{gpu=\"1\"} 0 1700000000.000\n"
            "# HELP vllm:request_success Count of successfully processed requests.\n"
            "# TYPE vllm:request_success counter\n"
            "vllm:request_success_total{pod=\"a\\\"b\"} 12 1700000030.000\n"
            "# EOF\n");
  EXPECT_EQ(w.points(), 4u);
}

TEST(ExpositionWriter, HistogramPointsRoundTripThroughTheStrictParser) {
  ExpositionWriter w;
  auto h = w.family("lat_seconds", MetricType::Histogram, "latency", {0.5, 1});
  const double a[] = {1, 3, 4}, b[] = {2, 5, 9};
  w.record_histogram(h, {{"pod", "p"}}, 10, a, 2.5);
  w.record_histogram(h, {{"pod", "p"}}, 20, b, 7.25);
  const ParsedExposition e = parse_openmetrics(written(w), "m.om");
  ASSERT_EQ(e.families.size(), 1u);
  const ParsedFamily& f = e.families[0];
  EXPECT_EQ(f.type, "histogram");
  ASSERT_EQ(f.samples.size(), 10u);  // 3 buckets + count + sum, twice
  EXPECT_EQ(f.samples[2].name, "lat_seconds_bucket");
  EXPECT_EQ(f.samples[2].label("le"), "+Inf");
  EXPECT_EQ(f.samples[3].name, "lat_seconds_count");
  EXPECT_EQ(f.samples[3].value, 4);
  EXPECT_EQ(f.samples[9].value, 7.25);
  EXPECT_EQ(*f.samples[9].timestamp, 20);
  EXPECT_EQ(f.samples[9].line, 12);
}

TEST(OpenMetricsParser, AcceptsAWellFormedFile) {
  const auto e = parse_openmetrics(
      "# HELP up 1 if the target \\\"x\\\" was scraped.\n# TYPE up gauge\nup{job=\"a\",instance=\"x:1\"} 1 30.5\n"
      "up{job=\"b\"} 0\n# TYPE c counter\nc_total{} 2.5e3 1\nc_created 0 1\nuntyped -Inf\n# EOF\n",
      "t");
  ASSERT_EQ(e.families.size(), 3u);
  EXPECT_EQ(e.families[0].help, "1 if the target \"x\" was scraped.");
  EXPECT_EQ(e.families[0].samples[0].label("instance"), "x:1");
  EXPECT_EQ(*e.families[0].samples[0].timestamp, 30.5);
  EXPECT_FALSE(e.families[0].samples[1].timestamp.has_value());
  EXPECT_EQ(e.find("c")->samples[0].value, 2500);
  EXPECT_EQ(e.find("untyped")->type, "unknown");
  EXPECT_TRUE(std::isinf(e.find("untyped")->samples[0].value));
  EXPECT_EQ(e.find("nope"), nullptr);
}

// Each broken file and the reason the parser must give (the first problem, with its line).
TEST(OpenMetricsParser, RejectsEachViolationWithItsLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"up 1\n", "t:1: no \"# EOF\" at the end"},
      {"up 1\n# EOF", "t:2: the last line does not end with a line feed"},
      {"# EOF\nup 1\n", "t:2: content after \"# EOF\""},
      {"up 1\n\n# EOF\n", "t:2: empty line"},
      {"# just a comment\n# EOF\n", "t:1: comment lines must be # HELP, # TYPE, # UNIT or # EOF"},
      {"# TYPE up gauge\n# TYPE up gauge\n# EOF\n", "t:2: second # TYPE for \"up\""},
      {"# TYPE up gauge\nup 1\n# HELP up late\n# EOF\n", "t:3: metadata for \"up\" after its samples"},
      {"# TYPE up gauge\nup 1\n# TYPE x gauge\nx 1\nup 2\n# EOF\n", "t:5: metric family \"up\" appears twice (interleaved)"},
      {"# TYPE up sometimes\n# EOF\n", "t:1: unknown metric type \"sometimes\""},
      {"# TYPE c counter\nc 1\n# EOF\n", "t:2: \"c\" does not fit the counter family \"c\""},
      {"# TYPE c counter\nc_bogus 1\n# EOF\n", "t:2: \"c_bogus\" does not fit the counter family \"c\""},
      {"# TYPE c counter\nc_total -1\n# EOF\n", "t:2: counter \"c_total\" is negative or NaN"},
      {"9up 1\n# EOF\n", "t:1: bad metric name \"9up\""},
      {"up{9a=\"x\"} 1\n# EOF\n", "t:1: bad label name \"9a\""},
      {"up{a=\"x\",a=\"y\"} 1\n# EOF\n", "t:1: label \"a\" given twice"},
      {"up{a=x} 1\n# EOF\n", "t:1: label value of \"a\" must be quoted"},
      {"up{a=\"x\",} 1\n# EOF\n", "t:1: a comma before '}'"},
      {"up{a=\"x\\t\"} 1\n# EOF\n", "t:1: bad escape \\t"},
      {"up{a=\"x\" 1\n# EOF\n", "t:1: expected ',' or '}' after a label"},
      {"up  1\n# EOF\n", "t:1: bad value \"\""},
      {"up one\n# EOF\n", "t:1: bad value \"one\""},
      {"up 1 soon\n# EOF\n", "t:1: bad timestamp \"soon\""},
      {"up 1 20\nup 2 10\n# EOF\n", "t:2: timestamps of \"up\" do not increase"},
      {"# TYPE h histogram\nh_bucket 1\n# EOF\n", "t:2: histogram bucket \"h_bucket\" without le"},
      {"# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n# EOF\n", "t:3: histogram buckets not in ascending le order"},
      {"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\n# EOF\n", "t:3: histogram bucket counts decrease"},
      {"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_count 2\n# EOF\n", "t:3: histogram without a +Inf bucket"},
      {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n# EOF\n", "t:3: \"h_count\" differs from its +Inf bucket"},
      {"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 3\n# EOF\n", "t:3: histogram without a +Inf bucket"},
      {"# TYPE x_seconds gauge\n# UNIT x_seconds bytes\n# EOF\n", "t:2: metric name \"x_seconds\" must end with its unit \"bytes\""},
  };
  for (const auto& [text, why] : cases) {
    try {
      parse_openmetrics(text, "t");
      ADD_FAILURE() << "accepted:\n" << text;
    } catch (const sim::InputError& e) {
      EXPECT_EQ(std::string(e.what()), why) << text;
    }
  }
}

TEST(InferenceServerState, ServesBelowCapacityWithoutQueueing) {
  InferenceServerSpec spec;  // 256 seqs, 2 s: 128 requests/s
  InferenceServerState s(spec, 0);
  s.advance(100, [](double) { return 50.0; });
  EXPECT_NEAR(s.successes(), 5000, 1e-6);
  EXPECT_EQ(s.waiting(), 0);
  EXPECT_NEAR(s.running(), 100, 1e-9);  // Little: 50/s x 2 s
  EXPECT_NEAR(s.busy_fraction(), 50.0 / 128, 1e-12);
  // Every request at 2 s: the 2.0 bucket (index 5) holds all of them, 1.5 (index 4) none.
  EXPECT_NEAR(s.e2e_counts()[5], 5000, 1e-6);
  EXPECT_EQ(s.e2e_counts()[4], 0);
  EXPECT_NEAR(s.e2e_sum(), 10000, 1e-6);
  EXPECT_NEAR(s.ttft_counts().back(), 5000, 1e-6);
}

TEST(InferenceServerState, QueuesTheExcessAndDrainsItWhenTheLoadFalls) {
  InferenceServerSpec spec;
  spec.max_num_seqs = 20;
  spec.request_latency = 1;  // capacity 20/s
  InferenceServerState s(spec, 0);
  s.advance(60, [](double) { return 30.0; });  // 10/s too many for a minute
  EXPECT_NEAR(s.waiting(), 600, 1e-6);
  EXPECT_NEAR(s.successes(), 1200, 1e-6);
  EXPECT_EQ(s.running(), 20);
  EXPECT_EQ(s.busy_fraction(), 1);
  const double slow = s.e2e_counts()[3];  // le=1.0: only what was served before the queue built up
  EXPECT_LT(slow, 100);
  EXPECT_GT(s.e2e_sum() / s.successes(), 5);  // mean latency well above the 1 s of service
  s.advance(180, [](double) { return 10.0; });  // 10/s spare: drained after 60 s
  EXPECT_NEAR(s.waiting(), 0, 1e-9);
  EXPECT_NEAR(s.successes(), 1200 + 1200 + 600, 1e-6);
  EXPECT_NEAR(s.running(), 10, 1e-9);
}

}  // namespace
}  // namespace kubetwin::models
