#include "models/metrics/metrics_scraper.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "models/metrics/exposition_parser.hpp"
#include "models/testing/control_plane_harness.hpp"

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

ParsedExposition scraped(const MetricsScraper& s) {
  std::ostringstream out;
  s.write(out);
  return parse_openmetrics(out.str(), "metrics.om");
}

// family -> (series identity without pod labels) -> time -> value
std::map<double, double> points(const ParsedExposition& e, std::string_view family, std::string_view key, std::string_view value) {
  std::map<double, double> out;
  const ParsedFamily* f = e.find(family);
  if (f == nullptr) return out;
  for (const ParsedSample& s : f->samples) {
    if (s.label(key) == value) out[*s.timestamp] = s.value;
  }
  return out;
}

const ParsedSample* sample_at(const ParsedExposition& e, std::string_view family, std::string_view gpu, double t) {
  for (const ParsedSample& s : e.find(family)->samples) {
    if (s.label("gpu") == gpu && *s.timestamp == t) return &s;
  }
  return nullptr;
}

TEST(MetricsScraper, DcgmSeriesFollowTheJobOnItsDevicesOnly) {
  Harness h({gpu_pool("h100", 1)});
  ObservabilityConfig c;
  MetricsScraper scraper(h.engine, h.cp, h.runtime, GpuCatalog::builtin(), c, 600);
  h.submit_at(100, JobBuilder("train", 4).duration(300));  // GPUs 0-3, 100..400
  scraper.start();
  h.engine.run(600);
  const ParsedExposition e = scraped(scraper);
  EXPECT_EQ(scraper.scrapes(), 21u);  // 0, 30, ..., 600
  const auto busy = points(e, "DCGM_FI_DEV_GPU_UTIL", "gpu", "0");
  EXPECT_EQ(busy.at(90), 0);
  EXPECT_EQ(busy.at(120), 100);
  EXPECT_EQ(busy.at(390), 100);
  EXPECT_EQ(busy.at(420), 0);
  for (const auto& [t, v] : points(e, "DCGM_FI_DEV_GPU_UTIL", "gpu", "5")) EXPECT_EQ(v, 0) << t;
  const ParsedSample* held = sample_at(e, "DCGM_FI_DEV_FB_USED", "0", 120);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->value, 68665);  // 90% of 80 GB in MiB
  EXPECT_EQ(held->label("pod"), "train-worker-0");
  EXPECT_EQ(held->label("container"), "worker");
  EXPECT_EQ(held->label("modelName"), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(held->label("Hostname"), "h100-0");
  EXPECT_EQ(held->label("UUID").substr(0, 4), "GPU-");
  EXPECT_EQ(sample_at(e, "DCGM_FI_DEV_FB_USED", "0", 420)->label("pod"), "");
  EXPECT_EQ(sample_at(e, "DCGM_FI_DEV_POWER_USAGE", "0", 120)->value, 700);
  EXPECT_EQ(sample_at(e, "DCGM_FI_DEV_POWER_USAGE", "0", 420)->value, 70);
  EXPECT_EQ(sample_at(e, "DCGM_FI_DEV_GPU_TEMP", "0", 120)->value, 80);
  EXPECT_EQ(sample_at(e, "DCGM_FI_DEV_GPU_TEMP", "0", 420)->value, 35);
  // A job without a perf profile: its NVLink traffic is not known, idle devices' is 0.
  EXPECT_EQ(sample_at(e, "DCGM_FI_PROF_NVLINK_TX_BYTES", "0", 120), nullptr);
  EXPECT_EQ(sample_at(e, "DCGM_FI_PROF_NVLINK_TX_BYTES", "5", 120)->value, 0);
}

TEST(MetricsScraper, AStuckExporterRepeatsItsFirstReading) {
  Harness h({gpu_pool("h100", 1)});
  ObservabilityConfig c;
  c.dcgm_stale = true;
  MetricsScraper scraper(h.engine, h.cp, h.runtime, GpuCatalog::builtin(), c, 300);
  h.submit_at(100, JobBuilder("train", 4).duration(100));
  scraper.start();
  h.engine.run(300);
  for (const auto& [t, v] : points(scraped(scraper), "DCGM_FI_DEV_GPU_UTIL", "gpu", "0")) EXPECT_EQ(v, 0) << t;
}

struct Served {
  Harness h{{gpu_pool("h100", 1)}};
  DeploymentController d;
  MetricsScraper scraper;
  explicit Served(ObservabilityConfig c)
      : d(h.engine, h.cp, {DeploymentSpec{"llm", 2, labelled(JobBuilder("llm", 1)), LoadCurve{{{0, 100}}, false}}}),
        scraper(h.engine, h.cp, h.runtime, GpuCatalog::builtin(), std::move(c), 300) {
    scraper.serve(d, {InferenceServerSpec{}});
    h.at(0, [this] { d.start(); });
    h.at(200, [this] { d.scale(0, 1); });
    scraper.start();
    h.engine.run(300);
  }
  static JobSpec labelled(JobSpec pod) {
    pod.pods[0].labels["app"] = "llm";
    return pod;
  }
};

ObservabilityConfig monitoring(std::map<std::string, std::string> match) {
  ObservabilityConfig c;
  PodMonitorSpec m;
  m.name = "vllm";
  m.selector.match_labels = std::move(match);
  c.pod_monitors.push_back(m);
  return c;
}

TEST(MetricsScraper, DiscoversMatchingPodsAfterTheDelayAndDropsDeletedOnes) {
  Served s(monitoring({{"app", "llm"}}));
  const ParsedExposition e = scraped(s.scraper);
  // Running at 0, discovered at 5 s: first scraped at 30.
  const auto kept = points(e, "vllm:request_success", "pod", "llm-0");
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.begin()->first, 30);
  EXPECT_EQ(kept.at(60), 3000);  // 50 requests/s per pod for 60 s
  EXPECT_EQ(kept.at(240), 240 * 50 + 40 * 50);  // alone from 200: all 100/s
  // The newest pod is deleted at 200: its last point is the scrape at 180.
  const auto gone = points(e, "vllm:num_requests_running", "pod", "llm-1");
  ASSERT_FALSE(gone.empty());
  EXPECT_EQ(gone.rbegin()->first, 180);
  EXPECT_EQ(gone.at(180), 100);  // 50/s x 2 s
  const ParsedSample& first = e.find("vllm:request_success")->samples.front();
  EXPECT_EQ(first.label("job"), "default/vllm");
  EXPECT_EQ(first.label("model_name"), "llm");
  EXPECT_EQ(first.label("instance"), "llm-0:8000");
  EXPECT_EQ(s.scraper.targets_discovered(), 2u);
  // The servers' GPUs show their load: 50 of 128 requests/s.
  EXPECT_EQ(points(e, "DCGM_FI_DEV_GPU_UTIL", "gpu", "0").at(60), 39);
}

TEST(MetricsScraper, ASelectorMatchingNothingScrapesNoPod) {
  {
    Served s(monitoring({{"app", "other"}}));
    EXPECT_EQ(scraped(s.scraper).find("vllm:request_success"), nullptr);
  }
}

TEST(MetricsScraper, WithoutServiceDiscoveryNoPodIsScraped) {
  ObservabilityConfig c = monitoring({{"app", "llm"}});
  c.service_discovery = false;
  Served s(std::move(c));
  const ParsedExposition e = scraped(s.scraper);
  EXPECT_EQ(e.find("vllm:request_success"), nullptr);
  EXPECT_NE(e.find("DCGM_FI_DEV_GPU_UTIL"), nullptr);  // static targets still are
}

}  // namespace
}  // namespace kubetwin::models
