#include "models/dra/resource_slice_output.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "models/testing/builders.hpp"

namespace kubetwin::models::dra {
namespace {

TEST(ResourceSliceOutput, ListsEveryNodesSlicesWithTypedAttributesAndCapacity) {
  const Cluster cluster({testing::pool("n", 2, {64000, 512 * testing::kGi, 0})});
  DraState state(cluster.node_count());
  ResourceSlice gpus{"gpu.nvidia.com", "", {{"gpu-0", {{"model", std::string("H100")}}, {{"memory", *parse_device_quantity("80Gi")}}}}};
  ResourceSlice nics{"dra.net", "", {{"nic-0", {{"dra.net/rdma", true}, {"kubetwin.io/numaNode", std::int64_t{1}},
                                                {"driverVersion", *parse_semver("1.2.3-rc.1")}}, {}}}};
  state.add_pool_slices(cluster, 0, gpus);
  state.add_slice(1, cluster.node_name(1), nics);
  std::ostringstream out;
  write_resource_slices(out, state, cluster);
  const auto doc = nlohmann::json::parse(out.str());
  EXPECT_EQ(doc["kind"], "ResourceSliceList");
  ASSERT_EQ(doc["items"].size(), 3u);  // node 0: GPUs; node 1: GPUs, then NICs
  const auto& nic = doc["items"][2]["spec"];
  EXPECT_EQ(nic["driver"], "dra.net");
  EXPECT_EQ(nic["nodeName"], cluster.node_name(1));
  EXPECT_EQ(nic["pool"]["name"], cluster.node_name(1));
  EXPECT_EQ(nic["devices"][0]["attributes"]["dra.net/rdma"]["bool"], true);
  EXPECT_EQ(nic["devices"][0]["attributes"]["kubetwin.io/numaNode"]["int"], 1);
  EXPECT_EQ(nic["devices"][0]["attributes"]["driverVersion"]["version"], "1.2.3-rc.1");
  EXPECT_EQ(doc["items"][0]["spec"]["devices"][0]["capacity"]["memory"]["value"], "85899345920");
  EXPECT_EQ(doc["items"][0]["metadata"]["name"], cluster.node_name(0) + "-gpu.nvidia.com");
}

}  // namespace
}  // namespace kubetwin::models::dra
