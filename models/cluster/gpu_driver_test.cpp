#include "models/cluster/gpu_driver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace kubetwin::models {
namespace {

NodePoolSpec gpu_pool(std::string name, int count) {
  NodePoolSpec p;
  p.name = std::move(name);
  p.count = count;
  p.capacity = {64000, std::int64_t{512} << 30, 8};
  p.gpu_model = "H100-SXM-80GB";
  return p;
}

TEST(CudaVersion, ParsesMajorDotMinorOnly) {
  EXPECT_EQ(CudaVersion::parse("12.4"), (CudaVersion{12, 4}));
  EXPECT_EQ(CudaVersion::parse("11.8"), (CudaVersion{11, 8}));
  for (const char* bad : {"12", "12.", ".4", "12.4.1", "a.b", "12.4x", ""}) EXPECT_FALSE(CudaVersion::parse(bad)) << bad;
  EXPECT_LT((CudaVersion{12, 2}), (CudaVersion{12, 4}));
  EXPECT_LT((CudaVersion{11, 8}), (CudaVersion{12, 0}));
  EXPECT_EQ((CudaVersion{12, 4}).text(), "12.4");
}

TEST(GpuDriver, NewestCudaOfADriverFollowsNvidiasMinimumDriverTable) {
  EXPECT_EQ(max_cuda_for_driver("535.104.05"), (CudaVersion{12, 2}));
  EXPECT_EQ(max_cuda_for_driver("550.54.14"), (CudaVersion{12, 4}));  // 12.4's minimum exactly
  EXPECT_EQ(max_cuda_for_driver("550.54.13"), (CudaVersion{12, 3}));
  EXPECT_EQ(max_cuda_for_driver("550.54.15"), (CudaVersion{12, 4}));
  EXPECT_EQ(max_cuda_for_driver("560.35.03"), (CudaVersion{12, 6}));
  EXPECT_EQ(max_cuda_for_driver("570.26"), (CudaVersion{12, 8}));
  EXPECT_EQ(max_cuda_for_driver("580.65.06"), (CudaVersion{13, 0}));
  EXPECT_FALSE(max_cuda_for_driver("510.47.03"));  // older than CUDA 11.8's
  EXPECT_FALSE(max_cuda_for_driver("latest"));
  EXPECT_FALSE(max_cuda_for_driver("550.54.15.1"));
}

TEST(GpuDriver, PodStartCheckIsCompatibleIncompatibleOrUnknown) {
  const DriverVersions old{"535.104.05", {12, 2}, ""}, current{"550.54.15", {12, 4}, ""};
  const CudaVersion need{12, 4};
  EXPECT_EQ(check_cuda(old, need), CudaCompatibility::Incompatible);
  EXPECT_EQ(check_cuda(current, need), CudaCompatibility::Compatible);
  EXPECT_EQ(check_cuda(old, std::nullopt), CudaCompatibility::Compatible);
  EXPECT_EQ(check_cuda(std::nullopt, need), CudaCompatibility::Unknown);
  EXPECT_EQ(check_cuda(std::nullopt, std::nullopt), CudaCompatibility::Unknown);
  EXPECT_STREQ(compatibility_name(CudaCompatibility::Unknown), "Unknown");
}

TEST(GpuDriver, LabelsUseGpuFeatureDiscoveryNamesAndReadBackAsTheAdvertisedVersions) {
  Cluster cluster({gpu_pool("old", 2), gpu_pool("unknown", 1)});
  const DriverVersions v{"535.104.05", {12, 2}, "1.14.6"};
  cluster.set_pool_labels(0, driver_labels(v));
  EXPECT_EQ(cluster.node_label(1, "nvidia.com/cuda.driver-version.full"), "535.104.05");
  EXPECT_EQ(cluster.node_label(1, "nvidia.com/cuda.driver-version.major"), "535");
  EXPECT_EQ(cluster.node_label(1, "nvidia.com/cuda.driver-version.revision"), "05");
  EXPECT_EQ(cluster.node_label(0, "nvidia.com/cuda.driver.rev"), "05");
  EXPECT_EQ(cluster.node_label(0, "nvidia.com/cuda.runtime-version.full"), "12.2");
  EXPECT_EQ(cluster.node_label(0, "nvidia.com/cuda.runtime.minor"), "2");
  EXPECT_EQ(advertised_driver(cluster, 0), v);
  EXPECT_FALSE(advertised_driver(cluster, 2));
  EXPECT_TRUE(advertised_cuda_satisfies(cluster, 0, {12, 2}));
  EXPECT_TRUE(advertised_cuda_satisfies(cluster, 0, {11, 8}));
  EXPECT_FALSE(advertised_cuda_satisfies(cluster, 0, {12, 4}));
  EXPECT_FALSE(advertised_cuda_satisfies(cluster, 2, {11, 0}));  // no labels: no CUDA advertised
  for (const auto& [key, value] : driver_labels(v)) {
    const auto keys = driver_label_keys();
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
}

std::vector<std::string> issues_of(const nlohmann::json& pool_json, std::optional<DriverVersions>* out = nullptr) {
  std::vector<sim::JsonIssue> issues;
  sim::StrictObject pool(pool_json, "/platform/nodePools/0", issues);
  auto d = read_pool_driver(pool);
  if (out) *out = d;
  std::vector<std::string> lines;
  for (const auto& i : issues) lines.push_back(i.pointer + ": " + i.message);
  return lines;
}

TEST(GpuDriver, ReadsAPoolDriverDefaultingCudaToTheNewestTheDriverSupports) {
  std::optional<DriverVersions> d;
  EXPECT_TRUE(issues_of(nlohmann::json::parse(R"({"driver": {"version": "550.54.15", "containerToolkitVersion": "1.16.2"}})"), &d).empty());
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (DriverVersions{"550.54.15", {12, 4}, "1.16.2"}));
  EXPECT_TRUE(issues_of(nlohmann::json::parse(R"({"driver": {"version": "550.54.15", "cudaVersion": "12.2"}})"), &d).empty());
  EXPECT_EQ(d->cuda, (CudaVersion{12, 2}));
  EXPECT_TRUE(issues_of(nlohmann::json::parse(R"({})"), &d).empty());
  EXPECT_FALSE(d);
}

TEST(GpuDriver, BadDriverInputNamesThePointer) {
  EXPECT_EQ(issues_of(nlohmann::json::parse(R"({"driver": {"version": "535.104.05", "cudaVersion": "12.4"}})")),
            std::vector<std::string>{"/platform/nodePools/0/driver/cudaVersion: CUDA 12.4 needs a newer driver than 535.104.05 "
                                     "(which supports up to 12.2)"});
  EXPECT_EQ(issues_of(nlohmann::json::parse(R"({"driver": {"version": "470.82.01"}})")).size(), 1u);
  EXPECT_EQ(issues_of(nlohmann::json::parse(R"({"driver": {"version": "550.54.15", "cudaVersion": "twelve"}})")).at(0),
            "/platform/nodePools/0/driver/cudaVersion: must be <major>.<minor>, such as \"12.4\", got \"twelve\"");
  EXPECT_EQ(issues_of(nlohmann::json::parse(R"({"driver": {"cudaVersion": "12.4"}})")).size(), 1u);  // version required
  EXPECT_EQ(issues_of(nlohmann::json::parse(R"({"driver": {"version": "550.54.15", "flavor": "open"}})")).size(), 1u);
}

}  // namespace
}  // namespace kubetwin::models
